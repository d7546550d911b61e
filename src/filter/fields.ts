// Field resolution for the filter: pseudo-fields (`topic`, `client`, `dir`,
// `finding`, …), a fast path for common Wireshark ids read straight from the
// PacketSummary, and a fallback that searches the lazily built field tree.
import type { Finding, FindingCode, PacketRecord } from '../model/packet.js';
import { BlockList, isIP } from 'node:net';
import type { Endpoint, Field } from '../model/types.js';
import { hasDupQosIn31, PACKET_TYPES } from '../protocol/packet-types.js';
import { PROPERTIES } from '../protocol/properties.js';
import { BinaryField } from '../dissect/walker.js';
import { ENTRIES_ITEMISED } from '../dissect/packets/list-cap.js';
import { labelsOf, labelValue } from './wireshark-labels.js';

/** A single field value as the filter sees it. Binary data (payload, password) is a Uint8Array. */
export type Value = number | string | boolean | Uint8Array | null;
/** undefined: the field is absent; an array: the field occurs several times. */
export type FieldVal = Value | Value[] | undefined;

export interface FieldSpec {
  /** Canonical name. */
  name: string;
  /** Value(s) on a packet record. */
  packet(rec: PacketRecord): FieldVal;
  /** Value(s) on a finding record; absent when omitted. */
  finding?(f: Finding): FieldVal;
  /** Literal words/strings the field understands beyond plain values (packet type names). */
  coerce?(text: string): Value | undefined;
  /** True when the value comes from the summary (no tree needed). */
  fast: boolean;
  /** A protocol name (`tcp`, `ip`) that can only be tested for: the message for a comparison. */
  testOnly?: string;
  /** Every value is a number: a literal that is not one can never match (an error, as in Wireshark). */
  numeric?: boolean;
  /** A bytes field (Wireshark's FT_BYTES): an unquoted hex value (`54:75`, `00`) is those bytes. */
  bytes?: boolean;
  /** The text values the field can have (`dir`: c2s, s2c): any other can never match. */
  values?: readonly string[];
  /** The largest value of an 8- or 16-bit id (Wireshark's FT_UINT8, FT_UINT16): a larger number never matches. */
  max?: number;
  /** An address field (`ip.addr`: 4, `ipv6.addr`: 6): an unquoted subnet `10.0.0.0/8` matches the addresses in it. */
  address?: 4 | 6;
  /** Wireshark's value labels of a number id (`"Publish Message"` is 3), as tshark takes them. */
  labels?: { value(text: string): number | undefined; names: readonly string[] };
}

const TYPE_NUM = new Map<string, number>(PACKET_TYPES.slice(1).map((p) => [p.name.toLowerCase(), p.type]));

/** Packet type number for a bare name such as `publish` (case-insensitive), or undefined. */
export function typeByName(name: string): number | undefined {
  return TYPE_NUM.get(name.toLowerCase());
}

const coerceType = (text: string): Value | undefined => TYPE_NUM.get(text.toLowerCase());

/** The packet type names a type field accepts, lower case (for suggestions). */
export const TYPE_NAMES: readonly string[] = [...TYPE_NUM.keys()];

const PUBLISH = 3, CONNECT = 1, CONNACK = 2, SUBSCRIBE = 8, SUBACK = 9, UNSUBSCRIBE = 10, UNSUBACK = 11;

function payload(rec: PacketRecord): FieldVal {
  const s = rec.summary;
  if (s.type !== PUBLISH || s.payloadOffset < 0 || s.payloadLength === null) return undefined;
  return rec.bytes.subarray(s.payloadOffset, s.payloadOffset + s.payloadLength);
}

function topicFilters(rec: PacketRecord): FieldVal {
  const s = rec.summary;
  if (s.type === SUBSCRIBE) return s.subscriptions && s.subscriptions.length ? s.subscriptions.map((x) => x.filter) : undefined;
  if (s.type === UNSUBSCRIBE) return s.unsubscriptions && s.unsubscriptions.length ? s.unsubscriptions : undefined;
  return undefined;
}

/** Fast-path Wireshark ids, read from the summary. Each must agree with the tree (see test/filter). */
const FAST: Record<string, (rec: PacketRecord) => FieldVal> = {
  'mqtt.hdrflags': (r) => (r.bytes.length > 0 ? r.bytes[0]! : undefined),
  'mqtt.msgtype': (r) => (r.bytes.length > 0 ? r.summary.type : undefined),
  'mqtt.dupflag': (r) => (dupQos(r) && r.bytes.length > 0 ? (r.bytes[0]! >> 3) & 1 : undefined),
  'mqtt.qos': (r) => (dupQos(r) && r.bytes.length > 0 ? (r.bytes[0]! >> 1) & 3 : undefined),
  'mqtt.retain': (r) => (r.summary.type === PUBLISH && r.bytes.length > 0 ? r.bytes[0]! & 1 : undefined),
  'mqtt.len': (r) => {
    const hl = r.summary.headerLength;
    if (hl <= 1 || hl > r.bytes.length) return undefined;
    return r.bytes[hl - 1]! & 0x80 ? null : r.summary.remainingLength; // null: invalid varint
  },
  'mqtt.msgid': (r) => r.summary.packetId ?? undefined,
  'mqtt.topic': (r) => (r.summary.type === PUBLISH ? r.summary.topic ?? undefined : topicFilters(r)),
  'mqtt.msg': payload,
  'mqtt.clientid': (r) => (r.summary.type === CONNECT ? r.summary.connect?.clientId : undefined),
  'mqtt.username': (r) => (r.summary.type === CONNECT ? r.summary.connect?.username ?? undefined : undefined),
  'mqtt.passwd': (r) => (r.summary.type === CONNECT ? r.summary.connect?.password ?? undefined : undefined),
  'mqtt.kalive': (r) => (r.summary.type === CONNECT ? r.summary.connect?.keepAlive : undefined),
  // Wireshark's ids for the CONNACK code: Return Code before MQTT 5, Reason Code in 5.
  'mqtt.conack.val': (r) => (r.version < 5 ? connackCode(r) : undefined),
  'mqtt.connack.reason_code': (r) => (r.version >= 5 ? connackCode(r) : undefined),
};

/**
 * An MQTT 5 PUBLISH that sends an empty topic and a Topic Alias the connection knows has the
 * alias's topic as its `mqtt.topic`, as in tshark 4.0 (its generated `[Topic: …]`); with an
 * unknown alias it stays empty.
 */
function aliasedTopic(r: PacketRecord, v: FieldVal): FieldVal {
  return v === '' && r.summary.type === PUBLISH && r.topic ? r.topic : v;
}

function connackCode(r: PacketRecord): number | undefined {
  const c = r.summary.type === CONNACK ? r.summary.connack : null;
  return c && c.returnCode >= 0 ? c.returnCode : undefined;
}

/** PUBLISH has DUP and QoS; so do MQTT 3.1's PUBREL, SUBSCRIBE and UNSUBSCRIBE (QoS 1, DUP on a retry). */
function dupQos(r: PacketRecord): boolean {
  return r.summary.type === PUBLISH || (r.version === 3 && hasDupQosIn31(r.summary.type));
}

/** Every value of tree nodes with this id, depth-first. */
export function treeValues(fields: readonly Field[], id: string, out: Value[] = []): Value[] {
  for (const f of fields) {
    if (f.id === id) out.push(f.value);
    if (f.children) treeValues(f.children, id, out);
  }
  return out;
}

/** Ids of MQTT 5 properties whose value is Binary Data (their tree value is hex). */
const BINARY_PROPERTY_IDS: ReadonlySet<string> = new Set(
  PROPERTIES.filter((p) => p.type === 'binary').map((p) => `mqtt.property.${p.name}`),
);

/**
 * Values of tree nodes with this id, as the filter compares them. A binary field
 * (payload, will message, password, correlation/authentication data) is its bytes,
 * not the hex string the tree shows, so `contains "text"` and `== "text"` work on it
 * as on the fast path's payload; a binary property's node is the bytes of its value.
 */
function treeFilterValues(rec: PacketRecord, fields: readonly Field[], id: string, out: Value[]): Value[] {
  for (const f of fields) {
    if (f.id === id) {
      const bin = f instanceof BinaryField ? f
        : BINARY_PROPERTY_IDS.has(id) ? f.children?.find((c) => c.id === `${id}.value` && c instanceof BinaryField) : undefined;
      out.push(bin ? rec.bytes.subarray(bin.offset, bin.offset + bin.length) : f.value);
    }
    if (f.children) treeFilterValues(rec, f.children, id, out);
  }
  return out;
}

/** An id read from the tree (with a long list's entries past the tree's from the summary). */
function treeField(id: string): (rec: PacketRecord) => FieldVal {
  const entries = LIST_ENTRY_VALUES[id];
  return entries ? withListTail(fromTree(id), entries) : fromTree(id);
}

function fromTree(id: string): (rec: PacketRecord) => FieldVal {
  return (rec) => {
    const v = treeFilterValues(rec, rec.tree().fields, id, []);
    return v.length === 0 ? undefined : v.length === 1 ? v[0] : v;
  };
}

function nonEmpty<T>(a: T[] | null | undefined): T[] | undefined {
  return a && a.length > 0 ? a : undefined;
}

const addrCache = new WeakMap<object, string>();

/** Client address of a connection, computed once per ConnMeta. */
function connClient(meta: PacketRecord['conn']): string {
  let a = addrCache.get(meta);
  if (a === undefined) addrCache.set(meta, (a = clientOf(meta.id)));
  return a;
}

function clientOf(conn: string): string {
  // `CLIENTIP:PORT-SERVERIP:PORT`; hosts never contain '-'.
  const i = conn.indexOf('-');
  return i < 0 ? conn : conn.slice(0, i);
}

/** Both ends' hosts or ports of a finding's `CLIENTIP:PORT-SERVERIP:PORT` (IPv6 hosts in brackets). */
function ends(conn: string, what: 'host' | 'port'): Value[] | undefined {
  const out: Value[] = [];
  for (const end of conn.split('-')) {
    const i = end.lastIndexOf(':');
    if (i <= 0) return undefined;
    const host = end.slice(0, i).replace(/^\[(.*)\]$/, '$1');
    const port = Number(end.slice(i + 1));
    if (!Number.isInteger(port)) return undefined;
    out.push(what === 'host' ? host : port);
  }
  return out.length === 2 ? out : undefined;
}

/** Malformed packets (an error note) read from the tree, which shows partial fields the summary drops. */
function fastOrTree(fast: (rec: PacketRecord) => FieldVal, id: string): (rec: PacketRecord) => FieldVal {
  const slow = treeField(id);
  return (rec) => {
    const notes = rec.summary.notes;
    for (let i = 0; i < notes.length; i++) if (notes[i]!.severity === 'error') return slow(rec);
    return fast(rec);
  };
}

/**
 * Ids of the entries of a SUBSCRIBE, UNSUBSCRIBE, SUBACK or UNSUBACK list, and
 * each entry's value from the summary. The tree itemises only the first
 * ENTRIES_ITEMISED entries of such a list (docs/dissector.md); the summary
 * lists the first ENTRIES_LISTED. Without the summary's entries, a filter on
 * entry 1,501 would not match (`mqtt.suback.qos == 0x80`, while `rc == 0x80`
 * did), and `mqtt.topic` would match or not depending on whether some other
 * filter of the packet was invalid (an error note makes it read the tree).
 */
const LIST_ENTRY_VALUES: Record<string, (s: PacketRecord['summary']) => Value[] | undefined> = {
  'mqtt.topic': (s) => (s.type === SUBSCRIBE ? s.subscriptions?.map((x) => x.filter) : s.type === UNSUBSCRIBE ? s.unsubscriptions : undefined),
  'mqtt.subscription': (s) => (s.type === SUBSCRIBE ? s.subscriptions?.map((x) => x.filter) : undefined),
  'mqtt.sub.qos': (s) => (s.type === SUBSCRIBE ? s.subscriptions?.map((x) => x.qos) : undefined),
  'mqtt.sub.nl': (s) => (s.type === SUBSCRIBE ? s.subscriptions?.map((x) => (x.noLocal ? 1 : 0)) : undefined),
  'mqtt.sub.rap': (s) => (s.type === SUBSCRIBE ? s.subscriptions?.map((x) => (x.retainAsPublished ? 1 : 0)) : undefined),
  'mqtt.sub.rh': (s) => (s.type === SUBSCRIBE ? s.subscriptions?.map((x) => x.retainHandling) : undefined),
  'mqtt.suback.qos': (s) => (s.type === SUBACK ? s.reasonCodes ?? undefined : undefined),
  'mqtt.suback.reason_code': (s) => (s.type === SUBACK ? s.reasonCodes ?? undefined : undefined),
  'mqtt.unsuback.reason_code': (s) => (s.type === UNSUBACK ? s.reasonCodes ?? undefined : undefined),
};

/**
 * The tree's values of a list entry id, and past the first ENTRIES_ITEMISED
 * entries the summary's. Only where the tree has the id at all: the version
 * decides which ids a packet has (`mqtt.suback.qos` in 3.1.1,
 * `mqtt.suback.reason_code` in 5; the option bits other than QoS only in 5).
 */
function withListTail(tree: (rec: PacketRecord) => FieldVal, entries: (s: PacketRecord['summary']) => Value[] | undefined): (rec: PacketRecord) => FieldVal {
  return (rec) => {
    const v = tree(rec);
    if (v === undefined) return v;
    const s = rec.summary;
    const n = (s.type === SUBSCRIBE ? s.subscriptions : s.type === UNSUBSCRIBE ? s.unsubscriptions : s.reasonCodes)?.length ?? 0;
    if (n <= ENTRIES_ITEMISED) return v;
    const listed = entries(s);
    if (listed === undefined) return v;
    return [...(Array.isArray(v) ? v : [v]), ...listed.slice(ENTRIES_ITEMISED)];
  };
}

/** Field ids whose value is text or bytes; every other id of the tree is a number. */
const TEXT_IDS: ReadonlySet<string> = new Set([
  'mqtt.topic', 'mqtt.msg', 'mqtt.protoname', 'mqtt.clientid', 'mqtt.willtopic', 'mqtt.willmsg', 'mqtt.username',
  'mqtt.passwd', 'mqtt.subscription', 'mqtt.trailing', 'mqtt.undecoded', 'mqtt.property.unknown', 'mqtt.property.undecoded',
  'mqtt.property.user_property', 'mqtt.property.user_property.key', 'mqtt.property.user_property.value',
  ...PROPERTIES.filter((p) => p.type === 'utf8' || p.type === 'binary').flatMap((p) => [`mqtt.property.${p.name}`, `mqtt.property.${p.name}.value`]),
]);

/**
 * Ids whose value is bytes, as Wireshark's FT_BYTES (mqtt.msg, mqtt.willmsg), and the binary
 * properties and undecoded bytes. Not mqtt.passwd: Wireshark 4 has it as a string.
 */
const BYTES_IDS: ReadonlySet<string> = new Set([
  'mqtt.msg', 'mqtt.willmsg', 'mqtt.trailing', 'mqtt.undecoded', 'mqtt.property.unknown', 'mqtt.property.undecoded',
  ...[...BINARY_PROPERTY_IDS].flatMap((id) => [id, `${id}.value`]),
]);

/** Ids of 8 and 16 bits, as Wireshark 4.0 types them (`tshark -G fields`); tshark refuses a larger number. */
const UINT16_IDS: ReadonlySet<string> = new Set([
  'mqtt.msgid', 'mqtt.topic_len', 'mqtt.willtopic_len', 'mqtt.willmsg_len', 'mqtt.username_len', 'mqtt.passwd_len',
  'mqtt.proto_len', 'mqtt.clientid_len', 'mqtt.kalive', 'mqtt.property.topic_alias',
]);
const UINT8_IDS: ReadonlySet<string> = new Set([
  'mqtt.hdrflags', 'mqtt.msgtype', 'mqtt.hdrflags.reserved', 'mqtt.qos', 'mqtt.conack.flags', 'mqtt.conack.val',
  'mqtt.sub.qos', 'mqtt.sub.rh', 'mqtt.suback.qos', 'mqtt.ver', 'mqtt.conflags', 'mqtt.conflag.qos',
  'mqtt.subscription_options', 'mqtt.subscription_options.reserved', 'mqtt.connack.reason_code',
  'mqtt.puback.reason_code', 'mqtt.pubrec.reason_code', 'mqtt.pubrel.reason_code', 'mqtt.pubcomp.reason_code',
  'mqtt.suback.reason_code', 'mqtt.unsuback.reason_code', 'mqtt.disconnect.reason_code', 'mqtt.auth.reason_code',
  'mqtt.property_id', 'mqtt.property.maximum_qos',
]);

function mqttField(id: string): FieldSpec {
  const fast = FAST[id];
  const names = labelsOf(id);
  const max = UINT8_IDS.has(id) ? 0xff : UINT16_IDS.has(id) ? 0xffff : undefined;
  return {
    ...(max !== undefined ? { max } : {}),
    ...(names.length > 0 ? { labels: { value: (text: string) => labelValue(id, text), names } } : {}),
    name: id,
    packet: id === 'mqtt.topic' ? topicField(fastOrTree(fast!, id)) : fast ? fastOrTree(fast, id) : treeField(id),
    fast: fast !== undefined,
    numeric: !TEXT_IDS.has(id),
    bytes: BYTES_IDS.has(id),
    ...(id === 'mqtt.msgtype' ? { coerce: coerceType } : {}),
  };
}

/** `mqtt.topic` also from the tree (a malformed PUBLISH): the alias's topic for an empty one. */
function topicField(get: (rec: PacketRecord) => FieldVal): (rec: PacketRecord) => FieldVal {
  return (rec) => aliasedTopic(rec, get(rec));
}

function alias(name: string, id: string): FieldSpec {
  return { ...mqttField(id), name };
}

/** A protocol layer every packet (or, for `ip`/`ipv6`, every packet of that address family) has. */
function protocol(name: string, fields: string, packet: (r: PacketRecord) => boolean, finding: (f: Finding) => boolean): FieldSpec {
  return {
    name, fast: true,
    packet: (r) => (packet(r) ? true : undefined),
    finding: (f) => (finding(f) ? true : undefined),
    testOnly: `'${name}' is a protocol: write it alone to test for it, or compare one of its fields (${fields})`,
  };
}

const isV6 = (host: string): boolean => host.includes(':');

/**
 * A subnet written as Wireshark takes it on an address field (`10.0.0.0/8`, `fe80::/10`): a test
 * of an address, or the reason it is not one of that family's subnets.
 */
export function subnetMatcher(text: string, family: 4 | 6): ((addr: string) => boolean) | string {
  const i = text.lastIndexOf('/');
  const base = text.slice(0, i);
  const bits = Number(text.slice(i + 1));
  const max = family === 4 ? 32 : 128;
  if (isIP(base) !== family) return `'${text}' is not an IPv${family} subnet (${family === 4 ? '10.0.0.0/8' : 'fe80::/10'})`;
  if (!Number.isInteger(bits) || bits > max) return `the prefix length of '${text}' is past ${max} bits`;
  const list = new BlockList();
  list.addSubnet(base, bits, family === 4 ? 'ipv4' : 'ipv6');
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return (addr) => isIP(addr) === family && list.check(addr, type);
}

/** Every finding code (the compiler checks the list against FindingCode both ways). */
const FINDING_CODES = [
  'connect-refused', 'publish-rejected', 'subscribe-rejected', 'undelivered-publish', 'withheld-delivery',
  'qos-flow-incomplete', 'protocol-violation', 'keepalive-timeout', 'will-published', 'session-takeover', 'stream-gap',
] as const satisfies readonly FindingCode[];
const ALL_FINDING_CODES: [Exclude<FindingCode, (typeof FINDING_CODES)[number]>] extends [never] ? true : never = true;
void ALL_FINDING_CODES;

const PSEUDO: FieldSpec[] = [
  // Wireshark's protocol names. Every record is an MQTT packet over TCP; `mqtt` is the
  // packet's bytes, as Wireshark's protocol field is (`mqtt contains "Room1"`).
  { name: 'mqtt', fast: true, bytes: true, packet: (r) => r.bytes },
  protocol('tcp', 'tcp.port, tcp.srcport, tcp.dstport', () => true, (f) => ends(f.conn, 'port') !== undefined),
  protocol('ip', 'ip.addr, ip.src, ip.dst', (r) => !isV6(r.conn.client.host), (f) => (ends(f.conn, 'host') ?? []).some((h) => !isV6(h as string))),
  protocol('ipv6', 'ipv6.addr, ipv6.src, ipv6.dst', (r) => isV6(r.conn.client.host), (f) => (ends(f.conn, 'host') ?? []).some((h) => isV6(h as string))),
  { name: 'type', fast: true, numeric: true, packet: (r) => r.summary.type, coerce: coerceType },
  {
    name: 'topic', fast: true,
    packet: (r) => (r.summary.type === PUBLISH ? r.topic ?? r.summary.topic ?? undefined : topicFilters(r)),
    finding: (f) => f.topic ?? undefined,
  },
  {
    name: 'client', fast: true,
    packet: (r) => {
      const addr = r.conn.id ? connClient(r.conn) : undefined;
      return r.clientId !== null && r.clientId !== '' ? (addr ? [r.clientId, addr] : r.clientId) : addr;
    },
    finding: (f) => (f.clientId !== null && f.clientId !== '' ? [f.clientId, clientOf(f.conn)] : clientOf(f.conn)),
  },
  { name: 'user', fast: true, packet: (r) => r.username ?? undefined, finding: (f) => f.username ?? undefined },
  { name: 'dir', fast: true, values: ['c2s', 's2c'], packet: (r) => r.dir, finding: (f) => (typeof f.extra['dir'] === 'string' ? f.extra['dir'] : undefined) },
  { name: 'conn', fast: true, packet: (r) => r.conn.id, finding: (f) => f.conn },
  { name: 'frame', fast: true, numeric: true, packet: (r) => r.frame, finding: (f) => nonEmpty(f.frames) },
  { name: 'seq', fast: true, numeric: true, packet: (r) => r.seq },
  { name: 'finding', fast: true, values: FINDING_CODES, packet: (r) => nonEmpty(r.findings), finding: (f) => f.code },
  { name: 'note', fast: true, packet: (r) => nonEmpty(r.notes.map((n) => n.code)), finding: (f) => (typeof f.extra['note'] === 'string' ? f.extra['note'] : undefined) },
  { name: 'severity', fast: true, values: ['info', 'warn', 'error'], packet: (r) => nonEmpty(r.notes.map((n) => n.severity)), finding: (f) => f.severity },
  { name: 'version', fast: true, numeric: true, packet: (r) => r.version },
  { name: 'rc', fast: true, numeric: true, packet: (r) => nonEmpty(r.summary.reasonCodes) },
  { name: 'size', fast: true, numeric: true, packet: (r) => r.size },
  // Wireshark's network-layer ids, from the connection (the proxy and a capture know both ends).
  { name: 'tcp.port', fast: true, numeric: true, max: 0xffff, packet: (r) => [r.conn.client.port, r.conn.server.port], finding: (f) => ends(f.conn, 'port') },
  { name: 'tcp.srcport', fast: true, numeric: true, max: 0xffff, packet: (r) => (r.dir === 'c2s' ? r.conn.client : r.conn.server).port },
  { name: 'tcp.dstport', fast: true, numeric: true, max: 0xffff, packet: (r) => (r.dir === 'c2s' ? r.conn.server : r.conn.client).port },
  ...(['ip', 'ipv6'] as const).flatMap((fam): FieldSpec[] => {
    const v6 = fam === 'ipv6';
    const host = (e: Endpoint): string | undefined => (e.host.includes(':') === v6 ? e.host : undefined);
    return [
      { name: `${fam}.addr`, fast: true, address: v6 ? 6 : 4, packet: (r) => nonEmpty([host(r.conn.client), host(r.conn.server)].filter((h) => h !== undefined)), finding: (f) => nonEmpty((ends(f.conn, 'host') ?? []).filter((h) => (h as string).includes(':') === v6)) },
      { name: `${fam}.src`, fast: true, address: v6 ? 6 : 4, packet: (r) => host(r.dir === 'c2s' ? r.conn.client : r.conn.server) },
      { name: `${fam}.dst`, fast: true, address: v6 ? 6 : 4, packet: (r) => host(r.dir === 'c2s' ? r.conn.server : r.conn.client) },
    ];
  }),
  alias('qos', 'mqtt.qos'),
  alias('dup', 'mqtt.dupflag'),
  alias('retain', 'mqtt.retain'),
  alias('id', 'mqtt.msgid'),
  alias('len', 'mqtt.len'),
  // Not a Wireshark name: `payload == 21` is the text 21 (mqtt.msg == 21 is the byte 0x21, as in Wireshark).
  { ...alias('payload', 'mqtt.msg'), bytes: false },
];

const PSEUDO_ALIASES: Record<string, string> = {
  username: 'user', direction: 'dir', connection: 'conn', msgid: 'id', packet_id: 'id', length: 'len',
  reason: 'rc', reason_code: 'rc', return_code: 'rc', findings: 'finding', notes: 'note', clientid: 'client', client_id: 'client',
  'frame.number': 'frame',
};

const PSEUDO_BY_NAME = new Map(PSEUDO.map((p) => [p.name, p]));

/**
 * Wireshark 4.x ids for fields mqttscope names otherwise: the same bytes and value.
 * `version5`: Wireshark has the id only on MQTT 5 packets (the 3.1.1 Requested QoS is mqtt.sub.qos).
 */
const WIRESHARK_IDS: Record<string, { id: string; version5?: true }> = {
  'mqtt.hdr_reserved': { id: 'mqtt.hdrflags.reserved' },
  'mqtt.msg_text': { id: 'mqtt.msg' },
  'mqtt.willmsg_text': { id: 'mqtt.willmsg' },
  'mqtt.prop_key': { id: 'mqtt.property.user_property.key' },
  'mqtt.prop_key_len': { id: 'mqtt.property.user_property.key_len' },
  'mqtt.prop_value': { id: 'mqtt.property.user_property.value' },
  'mqtt.prop_value_len': { id: 'mqtt.property.user_property.value_len' },
  'mqtt.prop_unknown': { id: 'mqtt.property.unknown' },
  'mqtt.property.max_qos': { id: 'mqtt.property.maximum_qos' },
  'mqtt.subscription_options_qos': { id: 'mqtt.sub.qos', version5: true },
  'mqtt.subscription_options_nl': { id: 'mqtt.sub.nl', version5: true },
  'mqtt.subscription_options_rap': { id: 'mqtt.sub.rap', version5: true },
  'mqtt.subscription_options_retain': { id: 'mqtt.sub.rh', version5: true },
  'mqtt.subscription_options_reserved': { id: 'mqtt.subscription_options.reserved', version5: true },
};

/** Wireshark ids with no single counterpart here, and what to write instead. */
const WIRESHARK_HINTS: Record<string, string> = {
  'mqtt.prop_string': "Wireshark's catch-all for string properties; here each property has its own id: mqtt.property.NAME.value (e.g. mqtt.property.response_topic.value, mqtt.property.reason_string.value)",
  'mqtt.prop_string_len': "Wireshark's catch-all for string property lengths; here each property has its own id: mqtt.property.NAME.len (e.g. mqtt.property.response_topic.len)",
  'mqtt.prop_number': "Wireshark's catch-all for numeric properties; here each property has its own id: mqtt.property.NAME (e.g. mqtt.property.message_expiry_interval, mqtt.property.receive_maximum)",
  'mqtt.retain_reserved': 'the reserved bits of the fixed header are mqtt.hdrflags.reserved here',
  // Wireshark's expert items: here the dissector's notes and the analysis's findings.
  'mqtt.illegal_topic_length': 'Wireshark\'s expert item for an empty topic; here it is a protocol note: note == "empty-topic" || note == "empty-topic-filter"',
  'mqtt.unknown_version': 'Wireshark\'s expert item for an unknown protocol level; here it is a protocol note: note == "unknown-protocol-level"',
  'mqtt.unknown_topic_alias': 'Wireshark\'s expert item for a Topic Alias no earlier PUBLISH set; here the analysis reports it: finding == "protocol-violation" shows the finding and its PUBLISH',
  'mqtt.msg_decoded_as': 'Wireshark\'s record of the dissector its payload preference chose; the payload is not decoded here: test its bytes (mqtt.msg[0] == 7b for JSON, mqtt.msg contains "text")',
  // Not a Wireshark id either: Wireshark names the code per packet type, and so does the tree.
  'mqtt.reason_code': 'the reason code has one id per packet type, as in Wireshark (mqtt.connack.reason_code, mqtt.puback.reason_code, mqtt.suback.reason_code, mqtt.unsuback.reason_code, mqtt.disconnect.reason_code, …); rc matches the reason or return code of any packet',
  'mqtt.reason': 'the reason code has one id per packet type, as in Wireshark (mqtt.connack.reason_code, mqtt.puback.reason_code, mqtt.suback.reason_code, …); rc matches the reason or return code of any packet',
  'mqtt.return_code': 'the 3.1.1 return codes are mqtt.conack.val (CONNACK) and mqtt.suback.qos (SUBACK), as in Wireshark; rc matches the reason or return code of any packet',
  // Names from the MQTT spec's vocabulary, too far from Wireshark's for a spelling suggestion
  // (mqtt.user came out as 'did you mean mqtt.ver?').
  ...hints(['mqtt.payload', 'mqtt.message', 'mqtt.data'], 'the payload is mqtt.msg, as in Wireshark (or payload)'),
  ...hints(['mqtt.type', 'mqtt.packet_type', 'mqtt.msg_type'], 'the packet type is mqtt.msgtype, as in Wireshark (mqtt.msgtype == 3, or the bare name publish)'),
  ...hints(['mqtt.packet_id', 'mqtt.packetid', 'mqtt.message_id', 'mqtt.msg_id'], 'the packet identifier is mqtt.msgid, as in Wireshark (or id)'),
  ...hints(['mqtt.keep_alive'], 'the keep alive is mqtt.kalive, as in Wireshark'),
  ...hints(['mqtt.user', 'mqtt.user_name'], "the CONNECT's user name is mqtt.username, as in Wireshark; user matches the connection's user name on every packet"),
  ...hints(['mqtt.dup'], 'the DUP flag is mqtt.dupflag, as in Wireshark (or dup)'),
  ...hints(['mqtt.session_present'], 'Session Present is mqtt.conack.flags.sp, as in Wireshark'),
  ...hints(['mqtt.topic_name', 'mqtt.sub.topic', 'mqtt.topicfilter', 'mqtt.topic_filter'], "the topic is mqtt.topic, as in Wireshark: a PUBLISH's topic and each topic filter of a SUBSCRIBE or UNSUBSCRIBE (or topic)"),
  ...hints(['mqtt.qos_level'], 'the QoS is mqtt.qos, as in Wireshark (or qos); the Requested QoS of a subscription is mqtt.sub.qos'),
  ...hints(['mqtt.clean_session', 'mqtt.cleansession', 'mqtt.clean_start'], 'Clean Session (Clean Start in MQTT 5) is mqtt.conflag.cleansess, as in Wireshark'),
  ...hints(['mqtt.version', 'mqtt.protocol_version'], 'the protocol level is mqtt.ver, as in Wireshark (or version: 3, 4 or 5)'),
  ...hints(['mqtt.flags'], 'the fixed-header flags are mqtt.hdrflags and the CONNECT flags mqtt.conflags, as in Wireshark'),
  ...hints(['mqtt.payload_len', 'mqtt.msg_len', 'mqtt.msglen'], 'the payload has no length field in MQTT; mqtt.len is the Remaining Length and size the whole packet'),
  ...hints(['mqtt.property.user'], 'user properties are mqtt.property.user_property (.key, .value), or Wireshark\'s mqtt.prop_key and mqtt.prop_value'),
  ...hints(['tcp.stream'], 'there is no TCP stream index here: name the connection with conn == "CLIENTIP:PORT-SERVERIP:PORT" (as the json view writes it) or tcp.port == CLIENTPORT'),
};

function hints(names: string[], text: string): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, text]));
}

/** What to say about an unknown Wireshark id instead of a spelling suggestion, or undefined. */
export function wiresharkHint(written: string): string | undefined {
  const name = written.toLowerCase();
  const hint = WIRESHARK_HINTS[name];
  if (hint) return hint;
  // Lower layers: only the fields a connection gives are known (a typo of one still gets a suggestion).
  if (/^(frame|eth|ip|ipv6|tcp|udp|tls|websocket)\./.test(name) && suggest(name) === undefined) {
    return 'of the lower layers only frame.number, tcp.port, tcp.srcport, tcp.dstport, ip.addr, ip.src, ip.dst, ipv6.addr, ipv6.src and ipv6.dst are fields here (every record is an MQTT packet, not a frame or segment)';
  }
  return undefined;
}

function wiresharkField(name: string): FieldSpec | undefined {
  const w = WIRESHARK_IDS[name];
  if (!w) return undefined;
  const base = mqttField(w.id);
  const get = base.packet;
  // mqtt.msg_text and mqtt.willmsg_text are strings in Wireshark: `contains 54` is the text "54".
  return { ...base, name, bytes: false, packet: w.version5 ? (r) => (r.version >= 5 ? get(r) : undefined) : get };
}

/** Wireshark-style ids the dissector produces (kept in sync by a test that harvests the tree). */
const STATIC_IDS = [
  'mqtt.hdrflags', 'mqtt.hdrflags.reserved', 'mqtt.msgtype', 'mqtt.dupflag', 'mqtt.qos', 'mqtt.retain',
  'mqtt.len', 'mqtt.len.byte', 'mqtt.topic_len', 'mqtt.topic', 'mqtt.msgid', 'mqtt.msg',
  'mqtt.proto_len', 'mqtt.protoname', 'mqtt.ver', 'mqtt.conflags', 'mqtt.conflag.uname', 'mqtt.conflag.passwd',
  'mqtt.conflag.retain', 'mqtt.conflag.qos', 'mqtt.conflag.willflag', 'mqtt.conflag.cleansess', 'mqtt.conflag.reserved',
  'mqtt.kalive', 'mqtt.clientid_len', 'mqtt.clientid', 'mqtt.will_properties', 'mqtt.willtopic_len', 'mqtt.willtopic',
  'mqtt.willmsg_len', 'mqtt.willmsg', 'mqtt.username_len', 'mqtt.username', 'mqtt.passwd_len', 'mqtt.passwd',
  'mqtt.conack.flags', 'mqtt.conack.flags.reserved', 'mqtt.conack.flags.sp', 'mqtt.conack.val', 'mqtt.connack.reason_code',
  'mqtt.subscription', 'mqtt.subscription_options', 'mqtt.subscription_options.reserved',
  'mqtt.sub.qos', 'mqtt.sub.rh', 'mqtt.sub.rap', 'mqtt.sub.nl', 'mqtt.suback.qos', 'mqtt.suback.reason_code',
  'mqtt.puback.reason_code', 'mqtt.pubrec.reason_code', 'mqtt.pubrel.reason_code', 'mqtt.pubcomp.reason_code',
  'mqtt.unsuback.reason_code', 'mqtt.disconnect.reason_code', 'mqtt.auth.reason_code', 'mqtt.implied.reason_code',
  'mqtt.properties', 'mqtt.property_len', 'mqtt.property_len.byte', 'mqtt.property_id', 'mqtt.property.unknown', 'mqtt.property.undecoded',
  'mqtt.property.user_property.key_len', 'mqtt.property.user_property.key',
  'mqtt.property.user_property.value_len', 'mqtt.property.user_property.value',
  'mqtt.trailing', 'mqtt.undecoded',
  // The summing fields of a long list or property block (value: how many entries were not itemised).
  'mqtt.topic_filters.not_itemised', 'mqtt.reason_codes.not_itemised', 'mqtt.property.not_itemised',
];

/** All field ids the filter accepts. */
export const KNOWN_IDS: ReadonlySet<string> = new Set([
  ...STATIC_IDS,
  ...PROPERTIES.flatMap((p) => [`mqtt.property.${p.name}`, `mqtt.property.${p.name}.value`, `mqtt.property.${p.name}.len`, `mqtt.property.${p.name}.value.byte`]),
]);

/** Names of the pseudo-fields (for docs, completion and suggestions). */
export const PSEUDO_FIELDS: readonly string[] = [...PSEUDO_BY_NAME.keys(), ...Object.keys(PSEUDO_ALIASES)];

const cache = new Map<string, FieldSpec>();

/** Field spec for a name as written (case-insensitive), or undefined when unknown. */
export function lookupField(written: string): FieldSpec | undefined {
  const name = written.toLowerCase();
  const hit = cache.get(name);
  if (hit) return hit;
  let spec: FieldSpec | undefined;
  if (name.startsWith('mqtt.')) {
    spec = KNOWN_IDS.has(name) ? mqttField(name) : wiresharkField(name);
  } else {
    spec = PSEUDO_BY_NAME.get(PSEUDO_ALIASES[name] ?? name);
  }
  if (spec) cache.set(name, spec);
  return spec;
}

/** Closest known name for a suggestion ("did you mean"), or undefined. */
export function suggest(written: string, pool?: Iterable<string>): string | undefined {
  const name = written.toLowerCase();
  pool ??= name.startsWith('mqtt.') ? [...KNOWN_IDS, ...Object.keys(WIRESHARK_IDS)] : [...PSEUDO_FIELDS, ...TYPE_NUM.keys()];
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const c of pool) {
    const d = editDistance(name, c, bestD);
    if (d < bestD) { bestD = d; best = c; }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= cap) return cap;
    prev = cur;
  }
  return prev[b.length]!;
}
