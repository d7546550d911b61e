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
    const out = (): boolean => {
      const hook = hooks.get(packet.cmd);
      const r = hook === undefined ? undefined : hook(packet, stream);
      if (Buffer.isBuffer(r)) return stream.write(r);
      return write(r ?? packet, stream, opts);
    };
    const gate = gates.get(stream);
    return gate === undefined ? out() : gate(packet, out);
  };
}

/**
 * Decides when a packet written on one stream goes out: call `out` now (and return what it
 * returns), or keep it and call it later (and return true). The packet-type hooks run inside `out`.
 */
export type WriteGate = (packet: OutgoingPacket, out: () => boolean) => boolean;

const gates = new WeakMap<object, WriteGate>();

/** Route every packet aedes writes on `stream` through `gate` (one gate per stream). */
export function gateWrites(stream: object, gate: WriteGate): void {
  if (gates.has(stream)) throw new Error('write-hook: this stream already has a gate');
  install();
  gates.set(stream, gate);
}

/** Route every `cmd` packet aedes writes through `hook` (one hook per packet type). */
export function hookWrites(cmd: string, hook: WriteHook): void {
  if (hooks.has(cmd)) throw new Error(`write-hook: ${cmd} already has a hook`);
  install();
  hooks.set(cmd, hook);
}
