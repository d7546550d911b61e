// mosquitto 2.0.11 answers an MQTT 3.1 SUBSCRIBE without a topic filter with a SUBACK that has
// no return codes (remaining length 2), as MQTT 3.1 does not forbid an empty SUBSCRIBE (3.1.1
// does [MQTT-3.8.3-3], and mosquitto closes the connection there). aedes handles such a
// SUBSCRIBE and writes its SUBACK with mqtt-packet's writeToStream, which refuses an empty list
// of return codes by destroying the stream ("Invalid qos vector"). The hook installed here
// (write-hook.ts) writes that SUBACK by hand, only for the sockets a bundled broker registered.
import { hookWrites } from './write-hook.js';

const sockets = new WeakSet<object>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  hookWrites('suback', (packet, stream) => {
    if (!sockets.has(stream)) return undefined;
    const p = packet as { messageId?: number; granted?: unknown[] };
    if (!Array.isArray(p.granted) || p.granted.length !== 0 || typeof p.messageId !== 'number') return undefined;
    const id = p.messageId;
    return Buffer.from([0x90, 0x02, id >> 8, id & 0xff]);
  });
}

/** The SUBACK aedes writes on `sock` for a SUBSCRIBE without filters goes out without return codes. */
export function allowEmptySuback(sock: object): void {
  install();
  sockets.add(sock);
}
