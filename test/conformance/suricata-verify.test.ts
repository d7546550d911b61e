// Conformance against the MQTT cases of suricata-verify (test/fixtures/suricata-verify,
// see its LICENSE.txt). For every case we read its pcap with mqttscope and check each
// expected `mqtt.*` field of its test.yaml `checks` (cached as test.json) against our
// decode, including the `count`. The field names are mapped in ONE table:
// test/conformance/suricata-map.ts.
//
// Checks that test Suricata itself, not the MQTT decode, are classified, not passed:
// - alert.* (signature ids from the case's test.rules: Suricata's rule engine),
// - frame.* (Suricata's frame API and its `max-msg-length` truncation of PDUs),
// - `dest_port` counts (number of eve events of all types: flow, alert, mqtt),
// - `mqtt.<type>.truncated` (Suricata's custom `max-msg-length` setting in the case's
//   suricata.yaml; mqttscope always decodes the whole message, which we assert instead),
// - mqtt-limit-log-fail (an invalid suricata.yaml value and a shell check).
// Suricata anomaly events are checked against mqttscope's own notes (ANOMALY_MAP).
// A `message` expectation shortened by Suricata's `string-log-limit` ("ZZZZZZZZZZ[truncated
// 90 additional bytes]") is checked as prefix + total length against our full payload.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readJson } from './read-json.js';
import { mapKey, SURICATA_ONLY, type Capped, type JsonPacket } from './suricata-map.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/suricata-verify/tests');

interface Check { filter?: { count?: number; match?: Record<string, unknown>; lt?: unknown; gt?: unknown }; shell?: unknown }
interface Case { pcap?: string; args?: string[]; checks?: Check[]; requires?: unknown }

/** Suricata anomaly event → how mqttscope shows the same problem. */
const ANOMALY_MAP: Record<string, { ours: string; test: (ps: JsonPacket[]) => number }> = {
  // PUBLISH with QoS 3 [MQTT-3.3.1-4]: note `qos-3` on the packet.
  invalid_qos_level: { ours: 'note qos-3', test: (ps) => ps.filter((p) => p.notes.some((n) => n.code === 'qos-3')).length },
  // Type 0 (or > 15, impossible in 4 bits) [MQTT-2.2.1]: note `reserved-packet-type`.
  unassigned_msg_type: { ours: 'note reserved-packet-type', test: (ps) => ps.filter((p) => p.notes.some((n) => n.code === 'reserved-packet-type')).length },
  // CONNACK with no CONNECT before it: the connection's version had to be inferred.
  missing_connect: { ours: 'CONNACK with version_inferred', test: (ps) => ps.filter((p) => p.type === 'CONNACK' && p['version_inferred'] === true).length },
  // Packets before CONNECT/CONNACK: records carry version_inferred (no CONNECT seen).
  unintroduced_message: { ours: 'non-CONNACK packets with version_inferred', test: (ps) => ps.filter((p) => p.type !== 'CONNACK' && p['version_inferred'] === true).length },
  // A property length running past the packet: an error note on the packet.
  malformed_traffic: { ours: 'error note field-past-end / property-*', test: (ps) => ps.filter((p) => p.notes.some((n) => n.severity === 'error' && /past-end|property|length/.test(n.code))).length >= 1 ? 1 : 0 },
};

const ORDER = ['CONNECT', 'PUBLISH', 'PUBREL', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PINGREQ', 'DISCONNECT', 'AUTH', 'CONNACK', 'PUBACK', 'PUBREC', 'PUBCOMP', 'SUBACK', 'UNSUBACK', 'PINGRESP'];

const LOG_LIMIT = /^(.*)\[truncated (\d+) additional bytes\]$/s;

function equalSuricata(expected: unknown, ours: unknown): boolean {
  if (typeof expected === 'string') {
    const m = LOG_LIMIT.exec(expected);
    const capped = typeof ours === 'object' && ours !== null && 'prefix' in ours ? ours as Capped : null;
    const full = typeof ours === 'string' ? ours : null;
    if (m) {
      const want = Buffer.byteLength(m[1]!) + Number(m[2]);
      if (full !== null) return full.startsWith(m[1]!) && Buffer.byteLength(full) === want;
      if (capped) return (capped.prefix.startsWith(m[1]!) || m[1]!.startsWith(capped.prefix)) && capped.byteLength === want;
      return false;
    }
    if (capped) return Buffer.byteLength(expected) === capped.byteLength && expected.startsWith(capped.prefix);
    return expected === full;
  }
  if (Array.isArray(expected)) {
    return Array.isArray(ours) && ours.length === expected.length && expected.every((e, i) => equalSuricata(e, ours[i]));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof ours !== 'object' || ours === null) return false;
    const o = ours as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    return Object.keys(e).length === Object.keys(o).length && Object.keys(e).every((k) => equalSuricata(e[k], o[k]));
  }
  return expected === ours;
}

function matches(p: JsonPacket, keys: [string, unknown][]): boolean {
  for (const [k, v] of keys) {
    const { mapping } = mapKey(k);
    if (!equalSuricata(v, mapping.get(p))) return false;
  }
  return true;
}

type Outcome = { status: 'checked'; expected: number; got: number; detail: string } | { status: 'suricata-specific'; reason: string };

function evaluate(check: Check, packets: JsonPacket[]): Outcome {
  if (!check.filter) return { status: 'suricata-specific', reason: 'shell check on Suricata output files' };
  const match = check.filter.match ?? {};
  const count = check.filter.count ?? 1;
  const keys = Object.entries(match);
  const nonMqtt = keys.filter(([k]) => !k.startsWith('mqtt.') && k !== 'event_type');
  const eventType = match['event_type'];
  if (keys.some(([k]) => k.startsWith('alert.'))) return { status: 'suricata-specific', reason: 'alert from the case\'s test.rules (Suricata rule engine)' };
  if (keys.some(([k]) => k.startsWith('frame.'))) return { status: 'suricata-specific', reason: 'Suricata frame API' };
  if (eventType === 'anomaly') {
    const ev = String(match['anomaly.event']);
    const a = ANOMALY_MAP[ev];
    if (!a) return { status: 'suricata-specific', reason: `anomaly ${ev} has no mqttscope counterpart` };
    const got = a.test(packets);
    // Suricata raises one event per transaction; we count annotated packets, so ≥ 1 when Suricata expects ≥ 1.
    return { status: 'checked', expected: count, got: count > 0 ? Math.min(got, count) : got, detail: `anomaly ${ev} ↔ ${a.ours} (${got} packet(s))` };
  }
  if (eventType === 'flow' && match['app_proto'] === 'mqtt') {
    const conns = new Set(packets.map((p) => p.conn)).size;
    return { status: 'checked', expected: count, got: conns, detail: 'flow app_proto mqtt ↔ connections with MQTT records' };
  }
  if (eventType === undefined && nonMqtt.length > 0) return { status: 'suricata-specific', reason: `count of all eve events matching ${nonMqtt.map(([k]) => k).join(', ')}` };
  if (nonMqtt.some(([k]) => k !== 'has-key')) return { status: 'suricata-specific', reason: `keys ${nonMqtt.map(([k]) => k).join(', ')}` };

  const hasKey = match['has-key'];
  let mqttKeys = keys.filter(([k]) => k.startsWith('mqtt.'));
  const dropped = mqttKeys.filter(([k]) => SURICATA_ONLY.has(k.split('.').slice(2).join('.')));
  mqttKeys = mqttKeys.filter(([k]) => !SURICATA_ONLY.has(k.split('.').slice(2).join('.')));
  const byType = new Map<string, [string, unknown][]>();
  for (const kv of mqttKeys) {
    const t = mapKey(kv[0]).type;
    if (!byType.has(t)) byType.set(t, []);
    byType.get(t)!.push(kv);
  }
  if (typeof hasKey === 'string') {
    const t = mapKey(`${hasKey}.x`.replace(/\.x$/, '.qos')).type;
    if (!byType.has(t)) byType.set(t, []);
  }
  // The request comes first: a Suricata transaction is a request and its answer.
  const types = [...byType.keys()].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  if (types.length === 0) return { status: 'suricata-specific', reason: 'no mqtt field to compare' };
  const [primary, ...others] = types as [string, ...string[]];
  let got = 0;
  for (const p of packets) {
    if (p.type !== primary || !matches(p, byType.get(primary)!)) continue;
    // `truncated: true` (Suricata stopped at its max-msg-length): we decode all of it.
    if (dropped.length > 0 && p.type === 'PUBLISH' && p['payload_length'] === null) continue;
    // A Suricata transaction pairs a request with its answer: same connection, other
    // direction, same packet id (or the next one of that type when there is no id).
    const ok = others.every((t) => packets.some((q) => q.type === t && q.conn === p.conn && q.dir !== p.dir &&
      (p.packet_id === null || q.packet_id === p.packet_id) && matches(q, byType.get(t)!)));
    if (ok) got++;
  }
  let why = '';
  if (got !== count) {
    // Say which keys differ on the closest packet of the primary type.
    let best: string[] | null = null;
    for (const p of packets) {
      if (p.type !== primary) continue;
      const bad = byType.get(primary)!.filter(([k, v]) => !equalSuricata(v, mapKey(k).mapping.get(p)))
        .map(([k, v]) => `${k}: Suricata ${JSON.stringify(v).slice(0, 60)}, ours (${mapKey(k).mapping.ours}) ${JSON.stringify(mapKey(k).mapping.get(p))?.slice(0, 60)}`);
      if (best === null || bad.length < best.length) best = bad;
    }
    why = best === null ? ` — no ${primary} packet decoded` : ` — closest ${primary} differs in: ${best.join('; ') || '(only the paired answer)'}`;
  }
  return { status: 'checked', expected: count, got, detail: why + ' :: ' + `${types.join('+')} with ${mqttKeys.map(([k, v]) => `${k}=${JSON.stringify(v).slice(0, 40)}`).join(', ')}${dropped.length ? ` (Suricata-only: ${dropped.map(([k]) => k).join(', ')})` : ''}` };
}

/**
 * Expectations of suricata-verify that are wrong or Suricata-only, by `case#check`.
 * `expect` replaces Suricata's value with the right one (and the check still runs);
 * `suricata` classifies the check as not about MQTT decoding.
 */
const DISCONNECT_4 = {
  expect: { 'mqtt.disconnect.reason_code': 4 },
  // The DISCONNECT in mqtt5-sub-userpass/mqtt5-unsub-*/input.pcap is `e0 01 04`: Remaining
  // Length 1, Reason Code 0x04 "Disconnect with Will Message" [MQTT 5 §3.14.2.1]. tshark 4.0
  // also decodes 4. Suricata logs 0 because it reads the reason code only when more bytes follow.
  why: 'Suricata ignores a lone DISCONNECT reason code byte',
};
const OVERRIDES: Record<string, { expect: Record<string, unknown>; why: string } | { suricata: string }> = {
  'mqtt-sub-rules#4': DISCONNECT_4,
  'mqtt-unsub-rules#2': DISCONNECT_4,
  'mqtt5-sub-userpass#5': DISCONNECT_4,
  'mqtt5-unsub-qos1#9': DISCONNECT_4,
  'mqtt5-unsub-qos2#9': DISCONNECT_4,
  'mqtt5-unsub-userpass#9': DISCONNECT_4,
  // The client PUBLISHes right after CONNECT, before the (uncaptured) CONNACK. MQTT allows
  // that ("Clients are allowed to send further Control Packets immediately after sending a
  // CONNECT Packet", MQTT 3.1.1 §3.1.4), so mqttscope does not flag it; Suricata's
  // `unintroduced_message` is its own heuristic.
  'mqtt-events-unintroduced#1': { suricata: 'unintroduced_message for a PUBLISH that MQTT allows before CONNACK' },
};

const cases = readdirSync(ROOT).filter((d) => existsSync(join(ROOT, d, 'test.json'))).sort();

/** Cases that are about Suricata's configuration or output, not about MQTT decoding. */
const SURICATA_CASES: Record<string, string> = {
  'mqtt-limit-log-fail': 'checks that Suricata refuses an invalid string-log-limit value in its suricata.yaml',
};

describe('suricata-verify MQTT conformance', () => {
  it('has all 51 cases', () => {
    expect(cases.length).toBe(51);
  });

  const tally = { checked: 0, suricata: 0 };
  for (const name of cases) {
    it(name, async () => {
      const c = JSON.parse(readFileSync(join(ROOT, name, 'test.json'), 'utf8')) as Case;
      const dir = join(ROOT, name);
      const pcap = c.pcap ? resolve(dir, c.pcap) : join(dir, readdirSync(dir).find((f) => f.endsWith('.pcap'))!);
      const { packets } = await readJson(pcap);
      expect(packets.length, `${name}: mqttscope decoded no MQTT packets from ${pcap}`).toBeGreaterThan(0);
      if (SURICATA_CASES[name]) { tally.suricata += (c.checks ?? []).length; return; }
      const failures: string[] = [];
      for (const [i, original] of (c.checks ?? []).entries()) {
        const ov = OVERRIDES[`${name}#${i}`];
        if (ov && 'suricata' in ov) { tally.suricata++; continue; }
        const check: Check = ov && original.filter
          ? { ...original, filter: { ...original.filter, match: { ...original.filter.match, ...ov.expect } } }
          : original;
        const o = evaluate(check, packets);
        if (o.status === 'suricata-specific') { tally.suricata++; continue; }
        tally.checked++;
        if (o.got !== o.expected) failures.push(`${name} check ${i}: expected count ${o.expected}, mqttscope ${o.got}: ${o.detail}`);
      }
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }

  it('checked most of the expectations', () => {
    // Guard against a harness that silently classifies everything as Suricata-specific.
    expect(tally.checked).toBeGreaterThanOrEqual(235);
  });
});
