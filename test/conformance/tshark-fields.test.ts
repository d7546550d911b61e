// Field-by-field cross-check of mqttscope's decode against tshark's MQTT
// dissector, on every suricata-verify capture and every capture in captures/.
// One tshark run per capture (PDML); our side is the in-process `read --format
// json --fields --show-secrets` record. Both are reduced to `Decoded`
// (tshark-fields.ts) and compared packet by packet, per TCP direction, in order:
// framing (which frame ends each packet, its type), byte 1 with DUP/QoS/RETAIN,
// Remaining Length and its bytes, packet id, topic, CONNECT (protocol name and
// level, flags byte and what the record makes of it, keep alive, client id,
// will topic and length, user name, password), CONNACK session present and
// code, SUBSCRIBE filters with QoS / No Local / Retain As Published / Retain
// Handling, UNSUBSCRIBE filters, every return/reason code, payload length, every
// MQTT 5 property (in order from the field tree, and again as the JSON
// `properties` object) and each Property Length. Last, `layout`: every field
// both dissectors have, by id, offset, length and numeric value.
//
// Where the two disagree the MQTT spec decides. mqttscope's mistakes are fixed
// in src/dissect; where tshark 4.0 is wrong, cannot decode, or the two only
// present the same bytes differently (or guess differently on a malformed
// packet), the case is listed in EXPECTED with both values and a reason. The
// test fails on any difference not listed and on any listed one that no longer
// occurs. tshark missing is a failure (requireBinary), not a skip.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/peers.js';
import { readJson } from './read-json.js';
import type { JsonPacket } from './suricata-map.js';
import { craftedCapture } from './tshark-crafted.js';
import { flowOf, fromOurs, propsObject, tsharkPdus, type Decoded, type TsharkPdu } from './tshark-fields.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SV = join(ROOT, 'test/fixtures/suricata-verify');

// Plus one hand-made capture (tshark-crafted.ts) with the properties, reason
// codes and options the recordings lack.
const CRAFTED_NAME = 'crafted (tshark-crafted.ts)';
const CRAFTED = join(tempDir('mqttscope-tshark-fields-'), 'crafted.pcap');
writeFileSync(CRAFTED, craftedCapture());

const CAPTURES: string[] = [
  ...readdirSync(SV).sort().map((d) => join(SV, d, 'input.pcap')).filter((f) => existsSync(f)),
  ...readdirSync(join(ROOT, 'captures')).filter((f) => /\.pcap(ng)?$/.test(f)).sort().map((f) => join(ROOT, 'captures', f)),
  CRAFTED,
];
const label = (f: string): string => (f === CRAFTED ? CRAFTED_NAME : relative(ROOT, f));

/** One difference: which packet (capture, frame, type) and which key, with both values. */
interface Diff { capture: string; frame: number; type: number; key: string; ours: unknown; tshark: unknown }

/**
 * A difference the spec does not decide in tshark's favour, listed with the
 * exact values both sides give. Frame numbers are tshark's, which are ours too.
 */
interface Expected { capture: string; frame: number; key: string; ours: unknown; tshark: unknown; why: string }

const SVC = (name: string): string => `test/fixtures/suricata-verify/${name}/input.pcap`;

const WHY = {
  conack31: 'MQTT 3.1 CONNACK byte 1 is reserved as a whole: tshark shows one mqtt.conack.flags.reserved item, we keep the mqtt.conack.flags byte with a reserved child (same bytes, same value)',
  aliasTopic: 'tshark adds the topic a Topic Alias stands for as a generated zero-size mqtt.topic; we give it in the record (topic, topic_alias), not as a field',
  propLen: 'tshark 4.0 shows a multi-byte Property Length as its raw bytes, not the Variable Byte Integer they encode [MQTT 5.0 §1.5.5]; the properties after it decode the same',
  subQos: 'tshark shows the whole Requested QoS byte; QoS is bits 0-1 and bits 2-7 are reserved [MQTT 3.1.1 §3.8.3.1, MQTT-3.8.3-4], so we say QoS 1 and note the reserved bits',
  auth311: 'AUTH exists only in MQTT 5: tshark decodes just its fixed header on a 3.1.1 connection, we decode the body as MQTT 5 and note auth-not-v5',
  shortPropLen: 'malformed: Property Length 7 ends inside the second Content Type; tshark ends the block there (the rest is payload), we read the property to its own end (property-past-end); the spec gives no decode of a Malformed Packet',
  aliasDir: 'tshark 4.0 keeps one Topic Alias table per connection; the client\'s and the server\'s mappings are independent [MQTT 5.0 §3.3.2.3.4]',
  codeNames: 'the CONNACK/SUBACK code field is named by version (Wireshark: mqtt.conack.val and mqtt.suback.qos before MQTT 5, mqtt.connack.reason_code and mqtt.suback.reason_code in 5). With no CONNECT (or an unknown protocol level) tshark 4.0 names them as MQTT 5; we decode a 2-byte CONNACK and 1-byte-per-filter SUBACK as 3.1.1 (version_inferred), where a CONNACK code 1 is "unacceptable protocol version". Same bytes and values',
  noConnect: 'no CONNECT in the capture, so the protocol level is unknown: tshark decodes as 3.1.1 ("Unknown version"), we infer MQTT 5 from the 3-byte PUBACK (version_inferred) and read reason codes',
};

const conack31 = (capture: string, frame: number): Expected => ({ capture, frame, key: 'layout', ours: ['mqtt.conack.flags@2+1=0'], tshark: [], why: WHY.conack31 });
const empty = (capture: string, frame: number, item: string, why: string): Expected => ({ capture, frame, key: 'layout', ours: [], tshark: [item], why });
const propLen = (capture: string, frame: number, at: number, ours: number, raw: number): Expected[] => [
  { capture, frame, key: 'property_len', ours: [ours], tshark: [raw], why: WHY.propLen },
  { capture, frame, key: 'layout', ours: [`mqtt.property_len@${at}+2=${ours}`], tshark: [`mqtt.property_len@${at}+2=${raw}`], why: WHY.propLen },
];

const codeNames = (capture: string, frame: number, ours: string, tshark: string): Expected => ({ capture, frame, key: 'layout', ours: [ours], tshark: [tshark], why: WHY.codeNames });

const EXPECTED: Expected[] = [
  codeNames(SVC('mqtt-events-missing-connect'), 16, 'mqtt.conack.val@3+1=0', 'mqtt.connack.reason_code@3+1=0'),
  codeNames(SVC('mqtt-events-missing-connect'), 23, 'mqtt.suback.qos@4+1=1', 'mqtt.suback.reason_code@4+1=1'),
  codeNames(SVC('mqtt-events-missing-connect'), 27, 'mqtt.suback.qos@4+1=2', 'mqtt.suback.reason_code@4+1=2'),
  codeNames(CRAFTED_NAME, 79, 'mqtt.conack.val@3+1=1', 'mqtt.connack.reason_code@3+1=1'),
  ...['mqtt31-pub-qos1', 'mqtt31-pub-qos2', 'mqtt31-pub-userpass', 'mqtt31-pub-userpass-auto-clientid', 'mqtt31-sub-userpass',
    'mqtt31-unsub-qos1', 'mqtt31-unsub-qos2', 'mqtt31-unsub-userpass'].map((c) => conack31(SVC(c), 6)),
  conack31(CRAFTED_NAME, 45),
  conack31(CRAFTED_NAME, 126),
  empty(CRAFTED_NAME, 12, 'mqtt.topic@10+0', WHY.aliasTopic),
  empty(CRAFTED_NAME, 106, 'mqtt.topic@8+0', WHY.aliasTopic),
  empty(CRAFTED_NAME, 108, 'mqtt.topic@8+0', WHY.aliasTopic),
  empty(CRAFTED_NAME, 109, 'mqtt.topic@8+0', WHY.aliasTopic),
  ...propLen(SVC('mqtt5-excessiveproplen'), 4, 12, 4351, 0xff21),
  ...propLen(CRAFTED_NAME, 54, 23, 213, 0xd501),
  ...propLen(CRAFTED_NAME, 96, 6, 130, 0x8201),
  { capture: CRAFTED_NAME, frame: 70, key: 'subscriptions', ours: [{ filter: 'x/y', qos: 1 }], tshark: [{ filter: 'x/y', qos: 5 }], why: WHY.subQos },
  { capture: CRAFTED_NAME, frame: 70, key: 'layout', ours: ['mqtt.sub.qos@9+1=1'], tshark: ['mqtt.sub.qos@9+1=5'], why: WHY.subQos },
  { capture: CRAFTED_NAME, frame: 84, key: 'reason_codes', ours: [0x18], tshark: undefined, why: WHY.auth311 },
  { capture: CRAFTED_NAME, frame: 84, key: 'properties', ours: [], tshark: undefined, why: WHY.auth311 },
  { capture: CRAFTED_NAME, frame: 84, key: 'property_len', ours: [0], tshark: undefined, why: WHY.auth311 },
  { capture: CRAFTED_NAME, frame: 84, key: 'layout', ours: ['mqtt.auth.reason_code@2+1=24', 'mqtt.properties@3+1', 'mqtt.property_len@3+1=0'], tshark: [], why: WHY.auth311 },
  { capture: CRAFTED_NAME, frame: 94, key: 'payload_length', ours: 1, tshark: 2, why: WHY.shortPropLen },
  { capture: CRAFTED_NAME, frame: 94, key: 'layout', ours: ['mqtt.msg@14+1', 'mqtt.properties@5+9'], tshark: ['mqtt.msg@13+2', 'mqtt.properties@5+8'], why: WHY.shortPropLen },
  { capture: CRAFTED_NAME, frame: 106, key: 'topic', ours: '', tshark: 'down/1', why: WHY.aliasDir },
  { capture: CRAFTED_NAME, frame: 108, key: 'topic', ours: 'down/1', tshark: 'up/1', why: WHY.aliasDir },
  { capture: CRAFTED_NAME, frame: 117, key: 'reason_codes', ours: [0x10], tshark: undefined, why: WHY.noConnect },
  { capture: CRAFTED_NAME, frame: 117, key: 'layout', ours: ['mqtt.puback.reason_code@4+1=16'], tshark: [], why: WHY.noConnect },
  { capture: CRAFTED_NAME, frame: 118, key: 'reason_codes', ours: [0], tshark: undefined, why: WHY.noConnect },
  { capture: CRAFTED_NAME, frame: 118, key: 'layout', ours: ['mqtt.disconnect.reason_code@2+1=0'], tshark: [], why: WHY.noConnect },
];

/** Captures tshark 4.0 cannot decode at all; the test checks it indeed finds no MQTT PDU there. */
const UNDECODABLE: Record<string, string> = {
  'captures/websocket.pcap': 'tshark 4.0 does not pass WebSocket payloads to MQTT (MQTT is not in its ws.protocol table), so it shows WebSocket frames and no MQTT PDU',
};

interface Result { ours: JsonPacket[]; theirs: TsharkPdu[] }
const results = new Map<string, Result>();

/** Our server ports, to tell tshark where MQTT is (captures/ use random ports). */
function serverPorts(ps: JsonPacket[]): number[] {
  return [...new Set(ps.map((p) => Number(p.conn.split('-')[1]!.split(':').pop())))];
}

beforeAll(async () => {
  requireBinary('tshark');
  // Two at a time: tshark's start-up dominates and the machine has two cores.
  const queue = [...CAPTURES];
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const { packets } = await readJson(f);
      const ports = UNDECODABLE[label(f)] ? [] : serverPorts(packets);
      const pdus = await tsharkPdus(f, ports);
      results.set(f, { ours: packets, theirs: pdus });
    }
  };
  await Promise.all([worker(), worker()]);
}, 60_000);

const KEYS: (keyof Decoded)[] = [
  'type', 'hdrflags', 'dup', 'qos', 'retain', 'len', 'len_bytes', 'packet_id', 'topic',
  'protocol_name', 'protocol_level', 'connect_flags', 'clean_session', 'will', 'keep_alive', 'client_id', 'will_topic', 'will_length', 'username', 'password',
  'session_present', 'reason_codes', 'subscriptions', 'unsubscriptions', 'payload_length', 'properties', 'will_properties', 'property_len',
];

/** Every difference in one capture. Packets are paired per TCP direction, in order. */
function compare(capture: string, r: Result): Diff[] {
  const diffs: Diff[] = [];
  const byFlow = <T>(xs: T[], flow: (x: T) => string): Map<string, T[]> => {
    const m = new Map<string, T[]>();
    for (const x of xs) { const k = flow(x); (m.get(k) ?? m.set(k, []).get(k)!).push(x); }
    return m;
  };
  const ours = byFlow(r.ours, flowOf);
  const theirs = byFlow(r.theirs, (p) => p.flow);
  for (const flow of new Set([...ours.keys(), ...theirs.keys()])) {
    const a = ours.get(flow) ?? [], b = theirs.get(flow) ?? [];
    const framing = (xs: { frame: number; type: number }[]): string => xs.map((x) => `${x.frame}:${x.type}`).join(' ');
    const fa = framing(a.map((p) => ({ frame: p.frame, type: fromOurs(p).type })));
    const fb = framing(b.map((p) => ({ frame: p.frame, type: p.decoded.type })));
    if (fa !== fb) {
      diffs.push({ capture, frame: a[0]?.frame ?? b[0]?.frame ?? 0, type: -1, key: `framing ${flow}`, ours: fa, tshark: fb });
      continue;
    }
    for (let i = 0; i < a.length; i++) {
      const p = a[i]!, q = b[i]!;
      const o = fromOurs(p), t = q.decoded;
      for (const k of KEYS) {
        if (JSON.stringify(o[k]) !== JSON.stringify(t[k])) diffs.push({ capture, frame: p.frame, type: o.type, key: k, ours: o[k], tshark: t[k] });
      }
      // Field positions and numeric values: only the entries one side lacks.
      const only = (xs: string[], ys: string[]): string[] => xs.filter((x) => !ys.includes(x));
      const lo = only(o.layout, t.layout), lt = only(t.layout, o.layout);
      if (lo.length + lt.length > 0) diffs.push({ capture, frame: p.frame, type: o.type, key: 'layout', ours: lo, tshark: lt });
      // The summary path: the JSON `properties` object against tshark's list.
      if (t.properties && JSON.stringify(p.properties ?? null) !== JSON.stringify(propsObject(t.properties, t.type))) {
        diffs.push({ capture, frame: p.frame, type: o.type, key: 'properties (JSON object)', ours: p.properties, tshark: propsObject(t.properties, t.type) });
      }
      const wp = p.connect?.will?.properties;
      if (t.will_properties && JSON.stringify(wp ?? null) !== JSON.stringify(propsObject(t.will_properties, 16))) {
        diffs.push({ capture, frame: p.frame, type: o.type, key: 'will_properties (JSON object)', ours: wp, tshark: propsObject(t.will_properties, 16) });
      }
    }
  }
  return diffs;
}

describe('mqttscope decodes every MQTT field as tshark does (or the difference is listed)', () => {
  it('has the captures', () => {
    expect(CAPTURES.length).toBeGreaterThanOrEqual(47);
  });

  for (const f of CAPTURES) {
    const name = label(f);
    it(name, () => {
      const r = results.get(f)!;
      expect(r.ours.length).toBeGreaterThan(0);
      if (UNDECODABLE[name]) {
        expect(r.theirs).toEqual([]);
        return;
      }
      expect(r.theirs.length).toBeGreaterThan(0);
      const diffs = compare(name, r);
      const listed = EXPECTED.filter((e) => e.capture === name);
      const same = (d: Diff, e: Expected): boolean =>
        d.frame === e.frame && d.key === e.key && JSON.stringify(d.ours) === JSON.stringify(e.ours) && JSON.stringify(d.tshark) === JSON.stringify(e.tshark);
      // Nothing but the listed differences …
      expect(diffs.filter((d) => !listed.some((e) => same(d, e)))).toEqual([]);
      // … and each listed one really happens (the list cannot go stale).
      expect(listed.filter((e) => !diffs.some((d) => same(d, e))).map((e) => `frame ${e.frame} ${e.key}: ${e.why}`)).toEqual([]);
    });
  }

  it('every EXPECTED entry names a capture under test', () => {
    const names = new Set(CAPTURES.map(label));
    expect(EXPECTED.map((e) => e.capture).filter((c) => !names.has(c))).toEqual([]);
    expect(Object.keys(UNDECODABLE).filter((c) => !names.has(c))).toEqual([]);
  });
});
