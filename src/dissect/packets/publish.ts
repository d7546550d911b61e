// PUBLISH [MQTT 3.1.1 §3.3, MQTT 5.0 §3.3]: Topic Name, Packet Identifier
// (QoS > 0 only), properties (5), application message.
import { NOTE_DEFS } from '../../protocol/spec-refs.js';
import { readProperties } from '../properties.js';
import { checkUtf8, decodeUtf8, utf8Status, UTF8_DISCOURAGED, UTF8_INVALID, UTF8_NUL, UTF8_WILDCARD, quote } from '../utf8.js';
import type { Field } from '../../model/types.js';
import { binaryField, numText, type Walker } from '../walker.js';
import { packetId } from './common.js';

export function walkPublish(w: Walker): void {
  const s = w.s;
  const b = w.b;
  // Topic Name (inline fast path of w.str)
  if (!w.need(2, 'mqtt.topic_len', 'Topic Length')) return;
  const tlen = (b[w.pos]! << 8) | b[w.pos + 1]!;
  w.pos += 2;
  const tlf = w.tree ? w.add('mqtt.topic_len', 'Topic Length', w.pos - 2, 2, tlen, numText(tlen)) : null;
  if (!w.need(tlen, 'mqtt.topic', 'Topic')) return;
  const ts = w.pos;
  const topic = decodeUtf8(b, ts, ts + tlen);
  const st = utf8Status;
  w.pos = ts + tlen;
  s.topic = topic;
  if (st !== 0) {
    if (st & (UTF8_INVALID | UTF8_NUL | UTF8_DISCOURAGED)) w.utf8Notes(st, 'Topic Name', ts);
    if (st & UTF8_WILDCARD) w.note(NOTE_DEFS.wildcardTopic, `PUBLISH Topic Name ${quote(topic)} contains a wildcard character (+ or #)`, ts);
  }
  if (w.tree) w.add('mqtt.topic', 'Topic', ts, tlen, topic, quote(topic));
  if (s.qos > 0) {
    if (packetId(w) < 0) return;
  }
  if (w.version === 5) {
    const props = readProperties(w, 3);
    s.properties = props;
    if (props === null) return;
    const ta = props['topic_alias'];
    if (typeof ta === 'number') s.topicAlias = ta;
    if (tlf !== null && s.topicAlias !== null && s.topicAlias > 0) explainAlias(w, tlf, s.topicAlias, tlen === 0 ? null : topic);
  }
  if (tlen === 0 && (s.topicAlias === null || s.topicAlias === 0) && !w.truncated) {
    // 3.1.1 [MQTT-4.7.3-1]; 5.0 §3.3.2.1: a Protocol Error without a Topic Alias
    // (Topic Alias 0 is not one: it gets its own property-value note).
    w.note(NOTE_DEFS.emptyTopic, `PUBLISH has an empty Topic Name and ${s.topicAlias === 0 ? 'no valid Topic Alias (0 is not allowed)' : 'no Topic Alias'}`, ts - 2);
  }
  const po = w.pos;
  s.payloadOffset = po;
  s.payloadLength = w.end - po;
  if (s.properties !== null && s.properties['payload_format_indicator'] === 1 && !w.truncated) {
    // Bytes given that end before the Remaining Length may cut a character in two: only what was seen whole is judged.
    payloadFormatCheck(w, po, w.cutShort ? wholeCharsEnd(b, po, w.end) : w.end, 'payload', 'MQTT-3.3.2.3.2', 'PUBACK, PUBREC or DISCONNECT');
  }
  w.pos = w.end;
  // An empty message is a field too (as in Wireshark, `mqtt.msg == ""` finds it).
  if (w.tree) binaryField(w, 'mqtt.msg', 'Message', po, w.end - po);
}

/**
 * Where the UTF-8 in b[start, end) stops being whole: before a multi-byte sequence
 * that the end cuts off (its lead byte and the continuation bytes seen), else `end`.
 */
export function wholeCharsEnd(b: Uint8Array, start: number, end: number): number {
  let i = end - 1;
  while (i >= start && end - i <= 3 && (b[i]! & 0xc0) === 0x80) i--;
  if (i < start) return end;
  const lead = b[i]!;
  const len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - i < len ? i : end;
}

/**
 * Payload Format Indicator 1: the payload (or Will Message) MUST be well-formed
 * UTF-8; a receiver MAY check and refuse it with 0x99 Payload format invalid
 * [MQTT 5.0 §3.3.2.3.2, §3.1.3.2.3].
 */
export function payloadFormatCheck(w: Walker, start: number, end: number, what: string, spec: string, refusal: string): void {
  if ((checkUtf8(w.b, start, end) & UTF8_INVALID) === 0) return;
  w.note(NOTE_DEFS.payloadFormatInvalid, `the Payload Format Indicator is 1 (UTF-8 Encoded Character Data) but the ${what} is not well-formed UTF-8; a receiver may refuse it with ${refusal} 0x99 (Payload format invalid)`, start, spec);
}

/**
 * Tree only: say what a Topic Alias does [MQTT 5.0 §3.3.2.3.4]. With a Topic Name it
 * sets the alias; with an empty one the topic is the one the alias was last set to,
 * which only the connection's earlier packets tell (the context's alias map).
 */
function explainAlias(w: Walker, topicLength: Field, alias: number, topic: string | null): void {
  const props = w.top.find((f) => f.id === 'mqtt.properties');
  const node = props?.children?.find((f) => f.id === 'mqtt.property.topic_alias');
  if (topic !== null) {
    if (node) node.display = `${alias} (sets Topic Alias ${alias} to ${quote(topic)} for the PUBLISH packets after it)`;
    return;
  }
  const known = w.ctx.topicAliases?.get(alias);
  const what = known !== undefined && known !== ''
    ? `the topic is ${quote(known)}, which an earlier PUBLISH set Topic Alias ${alias} to`
    : `the topic is whatever an earlier PUBLISH set Topic Alias ${alias} to (none in what was decoded)`;
  topicLength.display = `0 (no Topic Name: ${what})`;
  if (node) node.display = known !== undefined && known !== '' ? `${alias} (stands for ${quote(known)})` : `${alias} (not set by an earlier PUBLISH in what was decoded)`;
}
