// aedes writes every packet with mqtt-packet's writeToStream, looked up on the module
// object at each call. Where the bundled broker must answer as mosquitto 2.0.11 does
// and aedes does not, one wrapper, installed once, lets a hook per packet type replace
// the packet or write the bytes itself; every other packet and stream is left alone.
import mqttPacket from 'mqtt-packet';

export type OutgoingPacket = { cmd: string } & Record<string, unknown>;
/** A replacement packet, the bytes to write instead, or undefined to write `packet` as it is. */
export type WriteHook = (packet: OutgoingPacket, stream: object) => OutgoingPacket | Buffer | undefined;

const hooks = new Map<string, WriteHook>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const mp = mqttPacket as unknown as { writeToStream: (packet: OutgoingPacket, stream: { write(b: Buffer): boolean }, opts?: unknown) => boolean };
  const write = mp.writeToStream;
  mp.writeToStream = (packet, stream, opts) => {
    const hook = hooks.get(packet.cmd);
    const r = hook === undefined ? undefined : hook(packet, stream);
    if (Buffer.isBuffer(r)) return stream.write(r);
    return write(r ?? packet, stream, opts);
  };
}

/** Route every `cmd` packet aedes writes through `hook` (one hook per packet type). */
export function hookWrites(cmd: string, hook: WriteHook): void {
  if (hooks.has(cmd)) throw new Error(`write-hook: ${cmd} already has a hook`);
  install();
  hooks.set(cmd, hook);
}
