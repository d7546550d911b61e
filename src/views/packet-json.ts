// The JSON contract's `packet` record (docs: DESIGN.md "JSON contract").
// Shared by `decode --format json` and the json view of read/proxy.
import type { PacketRecord } from '../model/packet.js';
import type { Note } from '../model/types.js';
import { flattenFields, MASK, maskProperties, maskSecrets } from '../dissect/index.js';
import { hexOf } from '../dissect/utf8.js';
import { packetTypeName } from '../protocol/packet-types.js';

export interface PacketJsonOptions {
  /** Add the flat `fields` array (builds the tree). */
  fields?: boolean;
  /** Show passwords and Authentication Data instead of masking them. */
  showSecrets?: boolean;
}

// One definition of the time format, in format.ts (re-exported for existing importers).
export { isoMicros } from './format.js';
import { escapeRawControls, isoMicros } from './format.js';

function noteJson(n: Note): Record<string, unknown> {
  // The contract's four keys are always there: a note no spec rule backs has `spec: null`.
  const o: Record<string, unknown> = { severity: n.severity, code: n.code, text: n.text, spec: n.spec ?? null };
  if (n.offset !== undefined) o['offset'] = n.offset;
  return o;
}

/** A JSON-safe copy of a properties object (binary values are already hex strings); Authentication Data masked unless showSecrets. */
function propsJson(p: Record<string, unknown>, showSecrets: boolean | undefined): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (!showSecrets) p = maskProperties(p);
  for (const k of Object.keys(p)) {
    const v = p[k];
    o[k] = v instanceof Uint8Array ? hexOf(v) : v;
  }
  return o;
}

/**
 * Build the `packet` object of the JSON contract for one record. Bytes framed as the
 * reserved type 0 have no spec name for `type`: the json view and `decode --format json`
 * write them as a `protocol-violation` finding instead (json.ts, reservedTypeFinding).
 */
export function packetToJson(rec: PacketRecord, opts: PacketJsonOptions = {}): Record<string, unknown> {
  const s = rec.summary;
  const isPublish = s.type === 3;
  const headerEnd = Math.max(1, Math.min(s.headerLength, rec.bytes.length));
  // A Remaining Length cut off by the end of the input, or with its continuation bit set
  // in a 4th byte (`decode` shows such bytes as a packet), has no value: null, not 0.
  const last = rec.bytes[headerEnd - 1] ?? 0x80;
  const lengthRead = headerEnd >= 2 && headerEnd <= 5 && (last & 0x80) === 0;
  const o: Record<string, unknown> = {
    kind: 'packet',
    frame: rec.frame,
    time: isoMicros(rec.time),
    conn: rec.conn.id,
    dir: rec.dir,
    client_id: rec.clientId,
    username: rec.username,
    version: rec.version,
    type: packetTypeName(s.type),
    dup: isPublish && s.dup ? 1 : 0,
    qos: isPublish ? s.qos : 0,
    retain: isPublish && s.retain ? 1 : 0,
    length: lengthRead ? s.remainingLength : null,
    length_bytes: hexOf(rec.bytes, 1, headerEnd),
    packet_id: s.packetId,
    topic: isPublish ? (rec.topic ?? s.topic) : null,
    payload_length: s.payloadLength,
  };
  if (isPublish && s.topicAlias !== null) o['topic_alias'] = s.topicAlias;
  if (s.reasonCodes !== null) o['reason_codes'] = s.reasonCodes;
  if (s.properties !== null) o['properties'] = propsJson(s.properties, opts.showSecrets);
  if (s.connect) {
    const c = s.connect;
    o['connect'] = {
      protocol_name: c.protocolName,
      protocol_level: c.protocolLevel,
      clean_session: c.cleanSession,
      keep_alive: c.keepAlive,
      client_id: c.clientIdMissing === true ? null : c.clientId,
      username: c.username,
      password: c.password === null ? null : opts.showSecrets ? hexOf(c.password) : MASK,
      will: c.will === null ? null : {
        topic: c.will.topic, qos: c.will.qos, retain: c.will.retain ? 1 : 0,
        payload_length: c.will.payload.length,
        ...(c.will.properties ? { properties: propsJson(c.will.properties, opts.showSecrets) } : {}),
      },
    };
  }
  if (s.connack) o['session_present'] = s.connack.sessionPresent ? 1 : 0;
  if (s.subscriptions) {
    o['subscriptions'] = s.subscriptions.map((x) => ({
      filter: x.filter, qos: x.qos,
      ...(rec.version === 5 ? { no_local: x.noLocal, retain_as_published: x.retainAsPublished, retain_handling: x.retainHandling } : {}),
    }));
  }
  if (s.unsubscriptions) o['unsubscriptions'] = s.unsubscriptions;
  // Filters (or SUBACK/UNSUBACK reason codes) past the 10,000 the summary lists (docs/dissector.md).
  if (s.filtersNotListed !== undefined) o['filters_not_listed'] = s.filtersNotListed;
  if (rec.versionInferred) o['version_inferred'] = true;
  if (rec.findings.length > 0) o['findings'] = rec.findings;
  o['notes'] = rec.notes.map(noteJson);
  if (opts.fields) {
    const t = rec.tree();
    const fields = opts.showSecrets ? t.fields : maskSecrets(t.fields, rec.bytes);
    // The contract's keys first; label, depth and (bit fields) mask let a reader rebuild the tree and tie each bit to its byte.
    o['fields'] = flattenFields(fields).map((f) => ({
      id: f.id, offset: f.offset, length: f.length, value: f.value, display: f.display, label: f.label, depth: f.depth,
      ...(f.mask !== undefined ? { mask: f.mask } : {}),
    }));
  }
  return o;
}

/**
 * A string from the wire (client id, user name, topic; and the connection id, whose
 * IPv6 zone could hold anything) as JSON text, or null: what
 * JSON.stringify writes, with the raw controls escaped as the json view's lines are
 * (escapeRawControls). One per field, remembering the last string: a connection
 * repeats its client id and user name, and a publisher usually its topic.
 */
class WireStr {
  private last: string | null = null;
  private text = 'null';
  json(v: string | null): string {
    if (v === null) return 'null';
    if (v !== this.last) {
      this.text = escapeRawControls(JSON.stringify(v));
      this.last = v;
    }
    return this.text;
  }
}
const CONN = new WireStr();
const CLIENT_ID = new WireStr();
const USERNAME = new WireStr();
const TOPIC = new WireStr();

/**
 * The common packet record (a PUBLISH, an ack, a ping: no properties, CONNECT or
 * SUBSCRIBE details, notes, findings or fields) as its JSON text, written directly:
 * exactly `jsonLine(packetToJson(rec, opts))`, a third of the time and without
 * the object (a test holds the two equal on every capture in the repository and on
 * random packets). Null when the record has anything else: use packetToJson.
 */
export function packetJsonText(rec: PacketRecord, opts: PacketJsonOptions = {}): string | null {
  const s = rec.summary;
  if (opts.fields || s.type === 0 || s.properties !== null || s.connect || s.connack || s.subscriptions || s.unsubscriptions
    || s.filtersNotListed !== undefined || rec.versionInferred || rec.findings.length > 0 || rec.notes.length > 0) return null;
  const isPublish = s.type === 3;
  if (isPublish && s.topicAlias !== null) return null;
  const bytes = rec.bytes;
  const headerEnd = Math.max(1, Math.min(s.headerLength, bytes.length));
  const last = bytes[headerEnd - 1] ?? 0x80;
  const lengthRead = headerEnd >= 2 && headerEnd <= 5 && (last & 0x80) === 0;
  const rc = s.reasonCodes;
  // Keys in packetToJson's order.
  return '{"kind":"packet","frame":' + rec.frame
    + ',"time":"' + isoMicros(rec.time)
    + '","conn":' + CONN.json(rec.conn.id)
    + ',"dir":"' + rec.dir
    + '","client_id":' + CLIENT_ID.json(rec.clientId)
    + ',"username":' + USERNAME.json(rec.username)
    + ',"version":' + rec.version
    + ',"type":"' + packetTypeName(s.type)
    + '","dup":' + (isPublish && s.dup ? 1 : 0)
    + ',"qos":' + (isPublish ? s.qos : 0)
    + ',"retain":' + (isPublish && s.retain ? 1 : 0)
    + ',"length":' + (lengthRead ? s.remainingLength : 'null')
    + ',"length_bytes":"' + hexOf(bytes, 1, headerEnd)
    + '","packet_id":' + (s.packetId === null ? 'null' : s.packetId)
    + ',"topic":' + TOPIC.json(isPublish ? (rec.topic ?? s.topic) : null)
    + ',"payload_length":' + (s.payloadLength === null ? 'null' : s.payloadLength)
    + (rc !== null ? ',"reason_codes":[' + rc.join(',') + ']' : '')
    + ',"notes":[]}';
}

