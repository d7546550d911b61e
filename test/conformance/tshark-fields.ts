// Field-by-field cross-check helpers: tshark's MQTT dissector (PDML) and
// mqttscope's packet records, both reduced to the same plain shape (`Decoded`)
// so a test can compare them key by key. Used by tshark-fields.test.ts.
import { execFile } from 'node:child_process';
import { PROPERTIES, PROPERTY_BY_ID } from '../../src/protocol/properties.js';
import { requireBinary } from '../helpers/peers.js';
import type { JsonField, JsonPacket } from './suricata-map.js';

/** One property as both sides show it: numbers as numbers, strings as text, binary as hex, pairs as [k, v]. */
export type PropValue = number | string | [string, string];
export type Prop = [id: number, value: PropValue];

/** The values the two decoders are compared on. A key is absent when the packet has no such field. */
export interface Decoded {
  type: number;
  /** Byte 1 of the fixed header: type and all four flag bits. */
  hdrflags: number;
  dup?: boolean; qos?: number; retain?: boolean;
  /** Remaining Length, and its encoded bytes in hex. */
  len: number;
  len_bytes: string;
  packet_id?: number;
  topic?: string;
  protocol_name?: string; protocol_level?: number; connect_flags?: number; keep_alive?: number;
  /** The JSON record's view of the connect flags (tshark: the flag bits). */
  clean_session?: boolean; will?: { qos: number; retain: boolean } | null;
  client_id?: string; will_topic?: string; will_length?: number; username?: string; password?: string;
  session_present?: boolean;
  reason_codes?: number[];
  subscriptions?: { filter: string; qos: number; nl?: boolean; rap?: boolean; rh?: number }[];
  unsubscriptions?: string[];
  payload_length?: number;
  properties?: Prop[];
  will_properties?: Prop[];
  /** Property Length of each block, properties first, then will properties. */
  property_len?: number[];
  /**
   * Where each field lies: `id@offset+length`, plus `=value` for numbers, under
   * our field ids (tshark's names mapped where they differ), sorted.
   */
  layout: string[];
}

/** One MQTT PDU as tshark shows it, with where it came from (`flow`: `src:port>dst:port`). */
export interface TsharkPdu { frame: number; flow: string; decoded: Decoded }

// ---------------------------------------------------------------- PDML

/** A PDML element: `<proto>` or `<field>` with its attributes and children. */
export interface PdmlNode { name: string; show: string; value: string; size: number; pos: number; children: PdmlNode[] }

const ENTITY: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };
function unescape(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITY[e] ?? m;
  });
}

/** PDML text → one array of top-level protos per `<packet>`. PDML is regular enough for a tag scanner. */
export function parsePdml(xml: string): PdmlNode[][] {
  const packets: PdmlNode[][] = [];
  const stack: PdmlNode[] = [];
  let cur: PdmlNode[] | null = null;
  const tag = /<(\/?)(packet|proto|field)\b([^>]*?)(\/?)>/g;
  const attr = /([\w.:-]+)="([^"]*)"/g;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const [, close, name, attrs, selfClose] = m as unknown as [string, string, string, string, string];
    if (name === 'packet') {
      if (close) { cur = null; } else { cur = []; packets.push(cur); }
      continue;
    }
    if (close) { stack.pop(); continue; }
    const a: Record<string, string> = {};
    for (let x = attr.exec(attrs); x; x = attr.exec(attrs)) a[x[1]!] = unescape(x[2]!);
    const node: PdmlNode = {
      name: a['name'] ?? '', show: a['show'] ?? '', value: a['value'] ?? '',
      size: Number(a['size'] ?? 0), pos: Number(a['pos'] ?? 0), children: [],
    };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node); else cur?.push(node);
    if (!selfClose) stack.push(node);
  }
  return packets;
}

function walk(n: PdmlNode, f: (n: PdmlNode) => void): void {
  f(n);
  for (const c of n.children) walk(c, f);
}

function first(nodes: PdmlNode[], name: string): PdmlNode | undefined {
  for (const n of nodes) {
    if (n.name === name) return n;
    const d = first(n.children, name);
    if (d) return d;
  }
  return undefined;
}

const text = (hex: string): string => Buffer.from(hex, 'hex').toString('utf8');
/** A string field's text: from its raw bytes, or from `show` for a generated (zero-size, no value) one. */
const str = (n: PdmlNode): string => (n.size === 0 && n.value === '' ? n.show : text(n.value));
const num = (n: PdmlNode): number => (n.show.startsWith('0x') ? parseInt(n.show, 16) : Number(n.show));
const bool = (n: PdmlNode): boolean => n.show === '1' || n.show === 'True' || n.show === 'true';

/** tshark's property list (mqtt.properties / mqtt.will_properties children) as [id, value] pairs, in order. */
function tsharkProps(group: PdmlNode): Prop[] {
  const out: Prop[] = [];
  const kids = group.children;
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i]!;
    if (k.name !== 'mqtt.property_id') continue;
    const id = num(k);
    const info = PROPERTY_BY_ID[id];
    const rest: PdmlNode[] = [];
    for (let j = i + 1; j < kids.length && kids[j]!.name !== 'mqtt.property_id'; j++) rest.push(kids[j]!);
    const pick = (name: string): PdmlNode | undefined => rest.find((r) => r.name === name);
    let v: PropValue | undefined;
    if (info?.type === 'utf8-pair') {
      const key = pick('mqtt.prop_key'), val = pick('mqtt.prop_value');
      if (key && val) v = [text(key.value), text(val.value)];
    } else if (info?.type === 'utf8' || info?.type === 'binary') {
      const s = pick('mqtt.prop_string');
      const ct = pick('mqtt.property.content_type');
      // mqtt.property.content_type is an FT_UINT_STRING: its raw value starts with the 2-byte length.
      const hex = s ? s.value : ct ? ct.value.slice(4) : undefined;
      if (hex !== undefined) v = info.type === 'binary' ? hex : text(hex);
    } else {
      const n = rest.find((r) => r.name === 'mqtt.prop_number' || r.name === 'mqtt.property.topic_alias' || r.name === 'mqtt.property.max_qos');
      if (n) v = num(n);
    }
    out.push(v === undefined ? [id, '(no value)'] : [id, v]);
  }
  return out;
}

/** tshark field names that are ours under another id. */
const RENAME: Record<string, string> = {
  'mqtt.hdr_reserved': 'mqtt.hdrflags.reserved',
  'mqtt.retain_reserved': 'mqtt.hdrflags.reserved',
  'mqtt.subscription_options_qos': 'mqtt.sub.qos',
  'mqtt.subscription_options_nl': 'mqtt.sub.nl',
  'mqtt.subscription_options_rap': 'mqtt.sub.rap',
  'mqtt.subscription_options_retain': 'mqtt.sub.rh',
  'mqtt.subscription_options_reserved': 'mqtt.subscription_options.reserved',
};

/**
 * Fields only one side has, left out of the layout: tshark's text views of
 * binary data and its expert placeholders (see oursOnly() for our side).
 */
const TSHARK_ONLY = new Set(['mqtt.msg_text', 'mqtt.willmsg_text', 'mqtt.msg_decoded_as', 'mqtt.unknown_version', 'mqtt.illegal_topic_length', 'mqtt.unknown_topic_alias', 'mqtt.prop_unknown']);

/** Ids whose value is text or bytes (a client id such as "1234" must not be read as a number). */
function textId(id: string): boolean {
  if (/^mqtt\.(topic|clientid|username|passwd|willtopic|willmsg|msg|protoname|properties|will_properties|property\.user_property\.(key|value))$/.test(id)) return true;
  const m = /^mqtt\.property\.(\w+)\.value$/.exec(id);
  const t = m ? PROPERTIES.find((q) => q.name === m[1])?.type : undefined;
  return t === 'utf8' || t === 'binary';
}

function entry(id: string, off: number, len: number, v: unknown): string {
  return `${id}@${off}+${len}${typeof v === 'number' ? `=${v}` : ''}`;
}

function tsharkLayout(p: PdmlNode): string[] {
  const out: string[] = [];
  let prop = '';
  const visit = (n: PdmlNode): void => {
    let id = RENAME[n.name] ?? n.name;
    const off = n.pos - p.pos;
    if (n.name === 'mqtt.property_id') prop = PROPERTY_BY_ID[num(n)]?.name ?? 'unknown';
    if (TSHARK_ONLY.has(id) || !id.startsWith('mqtt.')) return;
    if (id === 'mqtt.property.content_type') {
      // One FT_UINT_STRING for what we show as length and value.
      out.push(entry(`${id}.len`, off, 2, n.size >= 2 ? (n.size - 2) : undefined), entry(`${id}.value`, off + 2, n.size - 2, undefined));
      return;
    }
    const pm = /^mqtt\.(?:prop_(number|string_len|string|key_len|key|value_len|value)|property\.(topic_alias|max_qos))$/.exec(id);
    if (pm) {
      const k = pm[1] ?? 'number';
      id = k === 'number' ? `mqtt.property.${prop}.value`
        : k === 'string_len' ? `mqtt.property.${prop}.len`
          : k === 'string' ? `mqtt.property.${prop}.value`
            : `mqtt.property.user_property.${k}`;
    }
    const numeric = /^(0x[0-9a-f]+|\d+)$/i.test(n.show) && !textId(id);
    out.push(entry(id, off, n.size, numeric ? num(n) : undefined));
    for (const c of n.children) visit(c);
  };
  for (const c of p.children) visit(c);
  return out.sort();
}

/** One `<proto name="mqtt">` → Decoded. */
export function fromTshark(p: PdmlNode): Decoded {
  const top = p.children;
  const f = (name: string): PdmlNode | undefined => first(top, name);
  const hdr = f('mqtt.hdrflags')!;
  const type = num(f('mqtt.msgtype')!);
  const len = f('mqtt.len')!;
  const d: Decoded = { type, hdrflags: parseInt(hdr.value, 16), len: num(len), len_bytes: len.value, layout: tsharkLayout(p) };
  const plens: number[] = [];
  walk(p, (n) => { if (n.name === 'mqtt.property_len') plens.push(num(n)); });
  if (plens.length > 0) d.property_len = plens;
  if (type === 3) {
    d.dup = bool(f('mqtt.dupflag')!); d.qos = num(f('mqtt.qos')!); d.retain = bool(f('mqtt.retain')!);
  }
  const msgid = top.find((n) => n.name === 'mqtt.msgid');
  if (msgid) d.packet_id = num(msgid);
  const props = top.find((n) => n.name === 'mqtt.properties');
  if (props) d.properties = tsharkProps(props);
  const wprops = top.find((n) => n.name === 'mqtt.will_properties');
  if (wprops) d.will_properties = tsharkProps(wprops);
  switch (type) {
    case 1: {
      const g = (name: string, fn: (n: PdmlNode) => void): void => { const n = f(name); if (n) fn(n); };
      g('mqtt.protoname', (n) => { d.protocol_name = text(n.value); });
      g('mqtt.ver', (n) => { d.protocol_level = num(n); });
      g('mqtt.conflags', (n) => {
        const fl = parseInt(n.value, 16);
        d.connect_flags = fl;
        d.clean_session = (fl & 0x02) !== 0;
        d.will = fl & 0x04 ? { qos: (fl >> 3) & 3, retain: (fl & 0x20) !== 0 } : null;
      });
      g('mqtt.kalive', (n) => { d.keep_alive = num(n); });
      g('mqtt.clientid', (n) => { d.client_id = text(n.value); });
      g('mqtt.willtopic', (n) => { d.will_topic = text(n.value); });
      g('mqtt.willmsg_len', (n) => { d.will_length = num(n); });
      g('mqtt.username', (n) => { d.username = text(n.value); });
      g('mqtt.passwd', (n) => { d.password = n.value; });
      break;
    }
    case 2: {
      const sp = f('mqtt.conack.flags.sp');
      if (sp) d.session_present = bool(sp);
      const rc = f('mqtt.conack.val') ?? f('mqtt.connack.reason_code');
      if (rc) d.reason_codes = [num(rc)];
      break;
    }
    case 3: {
      // A PUBLISH that uses a Topic Alias gets a generated (zero-size) mqtt.topic with the mapped name, last.
      const t = top.filter((n) => n.name === 'mqtt.topic').pop();
      if (t) d.topic = str(t);
      const m = f('mqtt.msg');
      d.payload_length = m ? m.size : 0;
      break;
    }
    case 8: {
      d.subscriptions = [];
      for (const n of top) {
        if (n.name === 'mqtt.topic') d.subscriptions.push({ filter: text(n.value), qos: -1 });
        const last = d.subscriptions[d.subscriptions.length - 1];
        if (!last) continue;
        if (n.name === 'mqtt.sub.qos') last.qos = num(n);
        if (n.name === 'mqtt.subscription_options') {
          const o = parseInt(n.value, 16);
          Object.assign(last, { qos: o & 3, nl: (o & 4) !== 0, rap: (o & 8) !== 0, rh: (o >> 4) & 3 });
        }
      }
      break;
    }
    case 10:
      d.unsubscriptions = top.filter((n) => n.name === 'mqtt.topic').map((n) => text(n.value));
      break;
    default: {
      const codes = top.filter((n) => /^mqtt\.(suback\.qos|\w+\.reason_code)$/.test(n.name)).map(num);
      if (codes.length > 0) d.reason_codes = codes;
    }
  }
  return d;
}

/** Every MQTT PDU of a capture, in file order, from one tshark run. */
export async function tsharkPdus(file: string, ports: number[]): Promise<TsharkPdu[]> {
  const bin = requireBinary('tshark');
  const args = ['-r', file, '-n', '-T', 'pdml', '-J', 'ip ipv6 tcp mqtt'];
  for (const p of ports) args.push('-d', `tcp.port==${p},mqtt`);
  const xml = await new Promise<string>((resolve, reject) => {
    execFile(bin, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tshark ${args.join(' ')} failed: ${stderr || err.message}`)); else resolve(stdout);
    });
  });
  const pdus: TsharkPdu[] = [];
  for (const protos of parsePdml(xml)) {
    const num0 = first(protos, 'num');
    const frame = num0 ? Number(num0.show) : 0;
    // Addresses as our `conn` writes them: IPv6 in brackets.
    const v6 = first(protos, 'ipv6.src');
    const addr = (n: PdmlNode | undefined): string => (v6 ? `[${n?.show}]` : `${n?.show}`);
    const src = addr(v6 ?? first(protos, 'ip.src'));
    const dst = addr(first(protos, v6 ? 'ipv6.dst' : 'ip.dst'));
    const sp = first(protos, 'tcp.srcport'), dp = first(protos, 'tcp.dstport');
    const flow = `${src}:${sp?.show}>${dst}:${dp?.show}`;
    for (let i = 0; i < protos.length; i++) {
      const p = protos[i]!;
      if (p.name !== 'mqtt') continue;
      pdus.push({ frame, flow, decoded: fromTshark(p) });
    }
  }
  return pdus;
}

// ---------------------------------------------------------------- mqttscope

const TYPES = ['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];

/** `client:port>server:port` of the direction the record travelled. */
export function flowOf(p: JsonPacket): string {
  const [c, s] = p.conn.split('-') as [string, string];
  return p.dir === 'c2s' ? `${c}>${s}` : `${s}>${c}`;
}

/** Our property list from the flat field list: each `mqtt.property_id` starts one, in order. */
function oursProps(fields: JsonField[], start: number): Prop[] {
  const group = fields[start]!;
  const end = group.offset + group.length;
  const out: Prop[] = [];
  for (let i = start + 1; i < fields.length && fields[i]!.offset < end; i++) {
    const f = fields[i]!;
    if (f.id !== 'mqtt.property_id') continue;
    const id = f.value as number;
    const info = PROPERTY_BY_ID[id];
    const kids: JsonField[] = [];
    // A property's last field may be an empty string that ends the block: it sits at `end` with length 0.
    const inBlock = (x: JsonField): boolean => x.offset < end || (x.offset === end && x.length === 0);
    for (let j = i + 1; j < fields.length && fields[j]!.id !== 'mqtt.property_id' && inBlock(fields[j]!); j++) kids.push(fields[j]!);
    let v: PropValue | undefined;
    if (info?.type === 'utf8-pair') {
      const k = kids.find((x) => x.id === 'mqtt.property.user_property.key');
      const val = kids.find((x) => x.id === 'mqtt.property.user_property.value');
      if (k && val) v = [k.value as string, val.value as string];
    } else if (info) {
      const x = kids.find((y) => y.id === `mqtt.property.${info.name}.value`);
      if (x) v = x.value as number | string;
    }
    out.push(v === undefined ? [id, '(no value)'] : [id, v]);
  }
  return out;
}

/** Our fields tshark has no counterpart for: the per-byte varint breakdown, group nodes, leftover bytes. */
function oursOnly(id: string): boolean {
  // `mqtt.property.<name>` is our per-property node (tshark lists id and value flat);
  // it also covers mqtt.property.unknown and mqtt.property.undecoded.
  return /^mqtt\.(len\.byte|property_len\.byte|subscription|trailing|undecoded|property\.subscription_identifier\.value\.byte|property\.[a-z_]+)$/.test(id);
}

/**
 * The 3.1/3.1.1 Requested QoS byte: tshark has one mqtt.sub.qos item for it,
 * we show the byte with a reserved (bits 7-2) and an mqtt.sub.qos (bits 1-0) child.
 */
const SUB_BYTE_V4 = new Set(['mqtt.subscription_options', 'mqtt.subscription_options.reserved']);

/** The zero-length Reason Code we show where an MQTT 5 ack, DISCONNECT or AUTH leaves it out (0x00 implied). */
function impliedReason(f: JsonField): boolean {
  return f.length === 0 && f.id.endsWith('.reason_code');
}

function oursLayout(fields: JsonField[], version: number): string[] {
  return fields.filter((f) => !oursOnly(f.id) && !(version < 5 && SUB_BYTE_V4.has(f.id)) && !impliedReason(f))
    .map((f) => entry(f.id, f.offset, f.length, textId(f.id) ? undefined : f.value)).sort();
}

/** One mqttscope packet record (with `fields`) → Decoded. */
export function fromOurs(p: JsonPacket): Decoded {
  const fields = p.fields;
  const fv = (id: string): unknown => fields.find((f) => f.id === id)?.value;
  const type = TYPES.indexOf(p.type);
  const d: Decoded = { type, hdrflags: fv('mqtt.hdrflags') as number, len: p['length'] as number, len_bytes: p['length_bytes'] as string, layout: oursLayout(fields, p.version as number) };
  const plens = fields.filter((f) => f.id === 'mqtt.property_len').map((f) => f.value as number);
  if (plens.length > 0) d.property_len = plens;
  if (type === 3) { d.dup = p.dup === 1; d.qos = p.qos; d.retain = p.retain === 1; }
  if (p.packet_id !== null) d.packet_id = p.packet_id;
  const pi = fields.findIndex((f) => f.id === 'mqtt.properties');
  if (pi >= 0) d.properties = oursProps(fields, pi);
  const wi = fields.findIndex((f) => f.id === 'mqtt.will_properties');
  if (wi >= 0) d.will_properties = oursProps(fields, wi);
  switch (type) {
    case 1: {
      const c = p.connect;
      if (!c) break;
      d.protocol_name = c.protocol_name; d.protocol_level = c.protocol_level;
      const cf = fv('mqtt.conflags');
      if (typeof cf === 'number') {
        d.connect_flags = cf;
        d.clean_session = c.clean_session;
        d.will = c.will ? { qos: c.will.qos, retain: c.will.retain === 1 } : null;
      }
      const ka = fv('mqtt.kalive');
      if (typeof ka === 'number') d.keep_alive = c.keep_alive;
      if (c.client_id !== null) d.client_id = c.client_id;
      if (c.will) {
        if (fv('mqtt.willtopic') !== undefined) d.will_topic = c.will.topic;
        if (fv('mqtt.willmsg_len') !== undefined) d.will_length = c.will.payload_length;
      }
      if (c.username !== null) d.username = c.username;
      if (c.password !== null) d.password = c.password;
      break;
    }
    case 2:
      if (fv('mqtt.conack.flags.sp') !== undefined) d.session_present = p.session_present === 1;
      if (p.reason_codes && (fv('mqtt.conack.val') ?? fv('mqtt.connack.reason_code')) !== undefined) d.reason_codes = p.reason_codes;
      break;
    case 3:
      if (p.topic !== null) d.topic = p.topic;
      d.payload_length = (p['payload_length'] as number | null) ?? 0;
      break;
    case 8:
      d.subscriptions = (p.subscriptions ?? []).map((s) => {
        const x = s as { filter: string; qos: number; no_local?: boolean; retain_as_published?: boolean; retain_handling?: number };
        return x.no_local === undefined ? { filter: x.filter, qos: x.qos } : { filter: x.filter, qos: x.qos, nl: x.no_local, rap: x.retain_as_published!, rh: x.retain_handling! };
      });
      break;
    case 10:
      d.unsubscriptions = p.unsubscriptions ?? [];
      break;
    default:
      // An MQTT 5 ack, DISCONNECT or AUTH may leave its Reason Code out (0x00
      // implied, our JSON says [0]); tshark shows only codes on the wire.
      if (p.reason_codes && fields.some((f) => /^mqtt\.(suback\.qos|\w+\.reason_code)$/.test(f.id) && !impliedReason(f))) d.reason_codes = p.reason_codes;
  }
  return d;
}

/**
 * The JSON `properties` object a property list stands for (the contract's
 * shape: snake_case keys, user_property as pairs, a repeated Subscription
 * Identifier as an array). Lets the test hold the summary path to tshark too.
 */
export function propsObject(list: Prop[], type: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [id, v] of list) {
    const name = PROPERTY_BY_ID[id]?.name;
    if (name === undefined) continue; // an unknown id ends the block; it has no JSON key
    if (id === 0x26) { ((o[name] ??= []) as unknown[]).push(v); continue; }
    if (id === 0x0b && type === 3 && o[name] !== undefined) { o[name] = [o[name], v].flat(); continue; }
    o[name] = v;
  }
  return o;
}
