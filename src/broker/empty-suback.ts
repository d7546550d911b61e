// mosquitto 2.0.11 answers an MQTT 3.1 SUBSCRIBE without a topic filter with a SUBACK that has
// no return codes (remaining length 2), as MQTT 3.1 does not forbid an empty SUBSCRIBE (3.1.1
// does [MQTT-3.8.3-3], and mosquitto closes the connection there). aedes handles such a
// SUBSCRIBE and writes its SUBACK with mqtt-packet's writeToStream, which refuses an empty list
// of return codes by destroying the stream ("Invalid qos vector"). writeToStream is looked up
// on the module object at each call (as session-present.ts relies on too): the one wrapper
// installed here writes that SUBACK by hand, only for the sockets a bundled broker registered.
import mqttPacket from 'mqtt-packet';

const sockets = new WeakSet<object>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const mp = mqttPacket as unknown as { writeToStream: (packet: { cmd: string }, stream: { write(b: Buffer): boolean }, opts?: unknown) => boolean };
  const write = mp.writeToStream;
  mp.writeToStream = (packet, stream, opts) => {
    if (packet.cmd === 'suback' && sockets.has(stream)) {
      const p = packet as { messageId?: number; granted?: unknown[] };
      if (Array.isArray(p.granted) && p.granted.length === 0 && typeof p.messageId === 'number') {
        const id = p.messageId;
        return stream.write(Buffer.from([0x90, 0x02, id >> 8, id & 0xff]));
      }
    }
    return write(packet, stream, opts);
  };
}

/** The SUBACK aedes writes on `sock` for a SUBSCRIBE without filters goes out without return codes. */
export function allowEmptySuback(sock: object): void {
  install();
  sockets.add(sock);
}
