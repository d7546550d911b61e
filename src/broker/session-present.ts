// mosquitto 2.0 answers a CleanSession 0 CONNECT with Session Present 1 whenever
// the client id has a stored session (an earlier CleanSession 0 connection that no
// CleanSession 1 CONNECT has ended since) [MQTT-3.2.2-2], with or without
// subscriptions. aedes says 1 only when the session holds subscriptions, so a
// persistent publisher (no subscriptions, a QoS 2 message awaiting PUBREL) got 0.
//
// aedes writes its CONNACK with mqtt-packet's writeToStream: the hook installed here
// (write-hook.ts) rewrites the flag for the sockets a broker registered.
import { hookWrites } from './write-hook.js';

type Fix = (packet: { returnCode?: number; sessionPresent?: boolean }) => boolean;
const fixes = new WeakMap<object, Fix>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  hookWrites('connack', (packet, stream) => {
    const fix = fixes.get(stream);
    if (!fix) return undefined;
    fixes.delete(stream);
    const p = packet as { returnCode?: number; sessionPresent?: boolean };
    return fix(p) && !p.sessionPresent ? { ...packet, sessionPresent: true } : undefined;
  });
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
