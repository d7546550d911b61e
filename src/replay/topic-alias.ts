// Undo a Topic Alias in a client's PUBLISH [MQTT 5.0 §3.3.2.3.4]: the captured
// broker may have allowed more aliases than the live one (its CONNACK's Topic
// Alias Maximum), and a broker closes the connection over an alias above its
// maximum [MQTT-3.3.2-9] with DISCONNECT 0x94. The PUBLISH is re-encoded with
// the topic the alias stood for and without the Topic Alias property, with
// correct Property Length and Remaining Length [MQTT-1.5.5].
import { decodeVarint, encodeVarint } from '../protocol/varint.js';
import { splitProperties } from './properties.js';

const TOPIC_ALIAS = 0x23;

/**
 * A copy of an MQTT 5 PUBLISH with Topic Name `topic` and no Topic Alias
 * property, or null when the bytes cannot be parsed that far (they are then
 * sent as captured).
 */
export function withoutTopicAlias(publish: Uint8Array, topic: string): Uint8Array | null {
  if (publish[0] === undefined || publish[0] >> 4 !== 3) return null;
  const qos = (publish[0] >> 1) & 3;
  const rl = decodeVarint(publish, 1);
  if (typeof rl !== 'object') return null;
  const end = rl.next + rl.value;
  if (end > publish.length) return null;
  let o = rl.next;
  if (o + 2 > end) return null;
  o += 2 + ((publish[o]! << 8) | publish[o + 1]!);
  const idStart = o;
  if (qos > 0) o += 2;
  if (o > end) return null;
  const packetId = publish.subarray(idStart, o);
  // Keep every property but the Topic Alias, in order.
  const split = splitProperties(publish, o, end, (id) => id === TOPIC_ALIAS);
  if (!split || split.dropped === 0) return null;
  const { kept, keptLength: keptLen, blockEnd: propsEnd } = split;
  const name = Buffer.from(topic, 'utf8');
  if (name.length > 0xffff) return null;
  const payload = publish.subarray(propsEnd, end);
  const propLen = encodeVarint(keptLen);
  const bodyLen = 2 + name.length + packetId.length + propLen.length + keptLen + payload.length;
  const rlBytes = encodeVarint(bodyLen);
  const out = new Uint8Array(1 + rlBytes.length + bodyLen);
  let w = 0;
  out[w++] = publish[0];
  out.set(rlBytes, w); w += rlBytes.length;
  out[w++] = name.length >> 8;
  out[w++] = name.length & 0xff;
  out.set(name, w); w += name.length;
  out.set(packetId, w); w += packetId.length;
  out.set(propLen, w); w += propLen.length;
  for (const k of kept) { out.set(k, w); w += k.length; }
  out.set(payload, w);
  return out;
}
