// The one table that maps Suricata's MQTT eve-log field names (suricata-verify
// `checks`, keys `mqtt.<type>.<field>`) to mqttscope's JSON packet record
// (`read --format json --fields --show-secrets`). `get` reads our value from one
// packet record; the comparison is Suricata's: equal after normalisation.

export interface JsonField { id: string; offset: number; length: number; value: unknown; display: string }
export interface JsonPacket {
  kind: 'packet';
  frame: number;
  conn: string;
  dir: 'c2s' | 's2c';
  type: string;
  qos: number;
  dup: number;
  retain: number;
  packet_id: number | null;
  topic: string | null;
  reason_codes?: number[];
  properties?: Record<string, unknown>;
  connect?: {
    protocol_name: string; protocol_level: number; clean_session: boolean; keep_alive: number;
    client_id: string; username: string | null; password: string | null;
    will: { topic: string; qos: number; retain: number; payload_length: number; properties?: Record<string, unknown> } | null;
  };
  session_present?: number;
  subscriptions?: { filter: string; qos: number }[];
  unsubscriptions?: string[];
  notes: { severity: string; code: string; text: string }[];
  fields: JsonField[];
  [k: string]: unknown;
}

/** Suricata message type (the second key part) → our `type`. */
export const TYPE_MAP: Record<string, string> = {
  connect: 'CONNECT', connack: 'CONNACK', publish: 'PUBLISH', puback: 'PUBACK', pubrec: 'PUBREC',
  pubrel: 'PUBREL', pubcomp: 'PUBCOMP', subscribe: 'SUBSCRIBE', suback: 'SUBACK', unsubscribe: 'UNSUBSCRIBE',
  unsuback: 'UNSUBACK', pingreq: 'PINGREQ', pingresp: 'PINGRESP', disconnect: 'DISCONNECT', auth: 'AUTH',
};

function field(p: JsonPacket, id: string): JsonField | undefined {
  return p.fields.find((f) => f.id === id);
}

/** Byte 1 of the fixed header (type and flags), from the `mqtt.hdrflags` field. */
function hdr(p: JsonPacket): number {
  const v = field(p, 'mqtt.hdrflags')?.value;
  if (typeof v !== 'number') throw new Error(`frame ${p.frame}: no mqtt.hdrflags field`);
  return v;
}

/** Suricata logs binary data (passwords, messages, correlation data) as text. */
export function hexToText(h: unknown): unknown {
  if (typeof h !== 'string' || !/^([0-9a-f]{2})*$/i.test(h)) return h;
  return Buffer.from(h, 'hex').toString('utf8');
}

/** A payload longer than the dissector keeps in `value` (it caps hex at 64 KiB): its start and full size. */
export interface Capped { prefix: string; byteLength: number }

function fieldText(p: JsonPacket, id: string): unknown {
  const f = field(p, id);
  if (!f) return undefined;
  if (typeof f.value === 'string' && /^([0-9a-f]{2})*$/i.test(f.value) && f.value.length / 2 < f.length) {
    return { prefix: Buffer.from(f.value, 'hex').toString('utf8'), byteLength: f.length } satisfies Capped;
  }
  // Binary fields carry hex; string fields the string itself.
  return typeof f.value === 'string' && /^([0-9a-f]{2})*$/i.test(f.value) && f.length === f.value.length / 2 ? hexToText(f.value) : f.value;
}

/** Suricata user properties are `properties.<key>: value`; ours are `user_property: [[k, v], ...]`. */
function prop(props: Record<string, unknown> | undefined, name: string): unknown {
  if (!props) return undefined;
  if (name in props && name !== 'user_property') {
    const v = props[name];
    return name === 'correlation_data' || name === 'authentication_data' ? hexToText(v) : v;
  }
  const up = props['user_property'];
  if (Array.isArray(up)) for (const kv of up) if (Array.isArray(kv) && kv[0] === name) return kv[1];
  return undefined;
}

export interface Mapping {
  /** Where the value lives in our record (documentation; also printed on failure). */
  ours: string;
  get(p: JsonPacket): unknown;
}

/**
 * Suricata field (after `mqtt.<type>.`) → ours. Header bits: Suricata logs the
 * fixed-header flag bits of every packet type (SUBSCRIBE's reserved 0b0010 shows
 * as `qos: 1`); our `qos/dup/retain` are PUBLISH semantics, so those come from
 * `mqtt.hdrflags` for the other types.
 */
export const FIELD_MAP: Record<string, Mapping> = {
  qos: { ours: 'qos (PUBLISH) | (mqtt.hdrflags >> 1) & 3', get: (p) => (hdr(p) >> 1) & 3 },
  dup: { ours: 'dup (PUBLISH) | mqtt.hdrflags & 8', get: (p) => (hdr(p) & 8) !== 0 },
  retain: { ours: 'retain (PUBLISH) | mqtt.hdrflags & 1', get: (p) => (hdr(p) & 1) !== 0 },
  protocol_string: { ours: 'connect.protocol_name / mqtt.protoname', get: (p) => p.connect?.protocol_name },
  protocol_version: { ours: 'connect.protocol_level / mqtt.ver', get: (p) => p.connect?.protocol_level },
  client_id: { ours: 'connect.client_id / mqtt.clientid', get: (p) => p.connect?.client_id },
  username: { ours: 'connect.username / mqtt.username', get: (p) => p.connect?.username },
  password: { ours: 'connect.password (hex, --show-secrets) / mqtt.passwd', get: (p) => hexToText(p.connect?.password) },
  'flags.username': { ours: 'mqtt.conflag.uname', get: (p) => field(p, 'mqtt.conflag.uname')?.value === 1 },
  'flags.password': { ours: 'mqtt.conflag.passwd', get: (p) => field(p, 'mqtt.conflag.passwd')?.value === 1 },
  'flags.will': { ours: 'mqtt.conflag.willflag (connect.will !== null)', get: (p) => field(p, 'mqtt.conflag.willflag')?.value === 1 },
  'flags.will_retain': { ours: 'mqtt.conflag.retain', get: (p) => field(p, 'mqtt.conflag.retain')?.value === 1 },
  'flags.clean_session': { ours: 'connect.clean_session / mqtt.conflag.cleansess', get: (p) => p.connect?.clean_session },
  'will.topic': { ours: 'connect.will.topic / mqtt.willtopic', get: (p) => p.connect?.will?.topic },
  'will.message': { ours: 'mqtt.willmsg', get: (p) => fieldText(p, 'mqtt.willmsg') },
  session_present: { ours: 'session_present / mqtt.conack.flags.sp', get: (p) => p.session_present === 1 },
  return_code: { ours: 'reason_codes[0] / mqtt.conack.val', get: (p) => p.reason_codes?.[0] },
  topic: { ours: 'topic / mqtt.topic', get: (p) => p.topic },
  message: { ours: 'mqtt.msg (payload)', get: (p) => fieldText(p, 'mqtt.msg') ?? '' },
  message_id: { ours: 'packet_id / mqtt.msgid', get: (p) => p.packet_id },
  // PUBACK…PUBCOMP/DISCONNECT without a reason code byte mean 0x00 (MQTT 5 §3.4.2.1); Suricata then logs nothing.
  reason_code: {
    ours: 'reason_codes[0] / mqtt.<type>.reason_code (absent in MQTT 5 = 0x00)',
    get: (p) => p.reason_codes?.[0] ?? (p['version'] === 5 && ['PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'DISCONNECT', 'AUTH'].includes(p.type) ? 0 : undefined),
  },
  reason_codes: { ours: 'reason_codes / mqtt.unsuback.reason_code', get: (p) => p.reason_codes },
  qos_granted: { ours: 'reason_codes / mqtt.suback.qos', get: (p) => p.reason_codes },
  topics: {
    ours: 'subscriptions[{filter,qos}] | unsubscriptions / mqtt.topic',
    get: (p) => p.subscriptions ? p.subscriptions.map((s) => ({ qos: s.qos, topic: s.filter })) : p.unsubscriptions,
  },
};

/** Resolve one Suricata key (`mqtt.connect.will.properties.content_type`) to a getter. */
export function mapKey(key: string): { type: string; mapping: Mapping } {
  const m = /^mqtt\.([a-z]+)\.(.+)$/.exec(key);
  if (!m) throw new Error(`not a Suricata mqtt key: ${key}`);
  const type = TYPE_MAP[m[1]!];
  if (!type) throw new Error(`unknown Suricata message type in ${key}`);
  const rest = m[2]!;
  let pm = /^will\.properties\.(.+)$/.exec(rest);
  if (pm) {
    const name = pm[1]!;
    return { type, mapping: { ours: `connect.will.properties.${name}`, get: (p) => prop(p.connect?.will?.properties, name) } };
  }
  pm = /^properties\.(.+)$/.exec(rest);
  if (pm) {
    const name = pm[1]!;
    return { type, mapping: { ours: `properties.${name}`, get: (p) => prop(p.properties, name) } };
  }
  const mapping = FIELD_MAP[rest];
  if (!mapping) throw new Error(`no mapping for Suricata field ${key}`);
  return { type, mapping };
}

/** Suricata-only keys: settings and state that mqttscope does not model (see the test for why). */
export const SURICATA_ONLY = new Set(['truncated']);

// Suricata's `skipped_length` (max-msg-length exceeded) is the whole packet: fixed header + Remaining Length.
FIELD_MAP['skipped_length'] = {
  ours: '1 + length_bytes + length (whole packet; decoded in full, never skipped)',
  get: (p) => 1 + String(p['length_bytes']).length / 2 + (p['length'] as number),
};
