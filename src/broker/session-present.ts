// mosquitto 2.0 answers a CleanSession 0 CONNECT with Session Present 1 whenever
// the client id has a stored session (an earlier CleanSession 0 connection that no
// CleanSession 1 CONNECT has ended since) [MQTT-3.2.2-2], with or without
// subscriptions. aedes says 1 only when the session holds subscriptions, so a
// persistent publisher (no subscriptions, a QoS 2 message awaiting PUBREL) got 0.
//
// aedes writes its CONNACK with mqtt-packet's writeToStream, looked up on the
// module object at each call: the one wrapper installed here rewrites the flag for
// the sockets a broker registered, and leaves every other stream alone.
import mqttPacket from 'mqtt-packet';

type Fix = (packet: { returnCode?: number; sessionPresent?: boolean }) => boolean;
const fixes = new WeakMap<object, Fix>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const mp = mqttPacket as unknown as { writeToStream: (packet: { cmd: string }, stream: object, opts?: unknown) => boolean };
  const write = mp.writeToStream;
  mp.writeToStream = (packet, stream, opts) => {
    const fix = packet.cmd === 'connack' ? fixes.get(stream) : undefined;
    if (fix) {
      fixes.delete(stream);
      const p = packet as { returnCode?: number; sessionPresent?: boolean };
      if (fix(p) && !p.sessionPresent) packet = { ...packet, sessionPresent: true } as typeof packet;
    }
    return write(packet, stream, opts);
  };
}

/** Which client ids have a stored session, for one broker. */
export class SessionPresence {
  private readonly persistent = new Set<string>();

  constructor() {
    install();
  }

  /** The CONNECT parsed on `sock`: its CONNACK gets Session Present as mosquitto sets it. */
  connect(sock: object, packet: { clientId?: string; clean?: boolean }): void {
    const id = packet.clientId ?? '';
    const clean = packet.clean !== false;
    fixes.set(sock, (connack) => {
      if ((connack.returnCode ?? 0) !== 0 || id === '') return false;
      const existed = this.persistent.has(id);
      if (clean) this.persistent.delete(id);
      else this.persistent.add(id);
      return !clean && existed;
    });
  }
}
