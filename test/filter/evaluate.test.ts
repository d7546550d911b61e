import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, KNOWN_IDS, lookupField, RecordFilter } from '../../src/filter/index.js';
import { treeValues, type FieldVal } from '../../src/filter/fields.js';
import type { Field } from '../../src/model/types.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { aclScenario, conn, fake, finding, gen, hex, real } from './records.js';
import type { ConnMeta } from '../../src/model/types.js';

const m = (expr: string, rec: PacketRecord): boolean => compileFilter(expr)(rec);

const connect = gen({ cmd: 'connect', clientId: 'sensor-1', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, username: 'alice', password: Buffer.from('pw') });
const connack5 = gen({ cmd: 'connack', returnCode: 5, sessionPresent: false }, { dir: 's2c' });
const pub1 = gen({ cmd: 'publish', topic: 'home/kitchen/temp', payload: Buffer.from('21.5 C'), qos: 1, messageId: 0x1234, retain: true, dup: false });
const sub = gen({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'home/+/temp', qos: 1 }, { topic: 'alerts/#', qos: 0 }] });
const puback5 = gen({ cmd: 'puback', messageId: 9, reasonCode: 0x87 }, { version: 5, dir: 's2c' });
const pub5alias = gen({ cmd: 'publish', topic: 'x/y', payload: Buffer.from('z'), qos: 0, properties: { userProperties: { k: 'v' }, contentType: 'text/plain' } }, { version: 5 });

describe('evaluation on real bytes', () => {
  it('CONNECT fields', () => {
    expect(m('connect && mqtt.clientid == "sensor-1" && mqtt.username == "alice"', connect)).toBe(true);
    expect(m('mqtt.kalive == 30 && mqtt.conflag.cleansess == 1', connect)).toBe(true);
    expect(m('mqtt.passwd == "pw"', connect)).toBe(true);
    expect(m('mqtt.protoname == "MQTT" && mqtt.ver == 4', connect)).toBe(true);
  });
  it('CONNACK return code', () => {
    expect(m('connack && mqtt.conack.val == 5', connack5)).toBe(true);
    expect(m('rc == 5', connack5)).toBe(true);
    expect(m('mqtt.conack.flags.sp == 0', connack5)).toBe(true);
  });
  it('PUBLISH flags, id, topic, payload', () => {
    expect(m('mqtt.qos == 1 && mqtt.retain == 1 && mqtt.dupflag == 0', pub1)).toBe(true);
    expect(m('retain == true && dup == false && qos == 1', pub1)).toBe(true);
    expect(m('mqtt.msgid == 0x1234 && id == 4660', pub1)).toBe(true);
    expect(m('mqtt.topic == "home/kitchen/temp" && mqtt.topic_len == 17', pub1)).toBe(true);
    expect(m('mqtt.msg contains "21.5" && payload == "21.5 C"', pub1)).toBe(true);
    expect(m('payload contains "22"', pub1)).toBe(false);
    expect(m('mqtt.hdrflags == 0x33', pub1)).toBe(true);
    expect(m(`mqtt.len == ${pub1.summary.remainingLength} && size == ${pub1.bytes.length}`, pub1)).toBe(true);
  });
  it('SUBSCRIBE filters are mqtt.topic / topic, any occurrence', () => {
    expect(m('subscribe && mqtt.topic == "alerts/#"', sub)).toBe(true);
    expect(m('mqtt.topic == "home/+/temp"', sub)).toBe(true);
    expect(m('mqtt.topic != "home/+/temp"', sub)).toBe(false); // != means none equal
    expect(m('mqtt.topic != "nope"', sub)).toBe(true);
    expect(m('mqtt.sub.qos == 1', sub)).toBe(true);
    expect(m('mqtt.sub.qos == 2', sub)).toBe(false);
    expect(m('topic matches "alerts/#"', sub)).toBe(true);
  });
  it('MQTT 5 reason codes and properties (tree fallback)', () => {
    expect(m('puback && mqtt.puback.reason_code == 0x87', puback5)).toBe(true);
    expect(m('rc == 0x87', puback5)).toBe(true);
    expect(m('mqtt.property.content_type.value == "text/plain"', pub5alias)).toBe(true);
    expect(m('mqtt.property.user_property.key == "k"', pub5alias)).toBe(true);
    expect(m('mqtt.property.user_property', pub5alias)).toBe(true);
    expect(m('mqtt.property.user_property', pub1)).toBe(false);
  });
  it('fast filters do not build the tree', () => {
    let built = 0;
    const r: PacketRecord = { ...pub1, tree: () => { built++; return pub1.tree(); } };
    const f = compileFilter('publish && mqtt.qos == 1 && topic matches "home/#" && client != "x" && payload contains "C"');
    expect(f.fast).toBe(true);
    expect(f(r)).toBe(true);
    expect(built).toBe(0);
    const g = compileFilter('mqtt.topic_len > 3');
    expect(g.fast).toBe(false);
    expect(g(r)).toBe(true);
    expect(built).toBe(1);
  });
});

function norm(v: FieldVal): unknown[] {
  const arr = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return arr.map((x) => (x instanceof Uint8Array ? Buffer.from(x).toString('hex') : typeof x === 'boolean' ? (x ? 1 : 0) : x));
}

const packetArb = fc.oneof(
  fc.record({
    cmd: fc.constant('publish'), topic: fc.stringMatching(/^[a-z/$]{1,12}$/), payload: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
    qos: fc.constantFrom(0, 1, 2), messageId: fc.integer({ min: 1, max: 65535 }), retain: fc.boolean(), dup: fc.boolean(),
  }).map((p) => (p.qos === 0 ? { ...p, dup: false } : p)),
  fc.record({
    cmd: fc.constant('connect'), clientId: fc.stringMatching(/^[a-z0-9-]{1,10}$/), protocolId: fc.constant('MQTT'), protocolVersion: fc.constant(4),
    clean: fc.boolean(), keepalive: fc.integer({ min: 0, max: 65535 }),
    username: fc.option(fc.stringMatching(/^[a-z]{1,8}$/), { nil: undefined }),
  }).map((p) => (p.username === undefined ? (({ username: _, ...q }) => q)(p) : { ...p, password: Buffer.from('pw') })),
  fc.record({ cmd: fc.constant('connack'), returnCode: fc.integer({ min: 0, max: 5 }), sessionPresent: fc.boolean() }),
  fc.record({ cmd: fc.constantFrom('puback', 'pubrec', 'pubcomp', 'pubrel', 'unsuback'), messageId: fc.integer({ min: 1, max: 65535 }) }),
  fc.record({ cmd: fc.constant('subscribe'), messageId: fc.integer({ min: 1, max: 65535 }), subscriptions: fc.array(fc.record({ topic: fc.stringMatching(/^[a-z+#/]{1,8}$/), qos: fc.constantFrom(0, 1, 2) }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ cmd: fc.constant('unsubscribe'), messageId: fc.integer({ min: 1, max: 65535 }), unsubscriptions: fc.array(fc.stringMatching(/^[a-z+#/]{1,8}$/), { minLength: 1, maxLength: 3 }) }),
  fc.record({ cmd: fc.constant('suback'), messageId: fc.integer({ min: 1, max: 65535 }), granted: fc.array(fc.constantFrom(0, 1, 2, 128), { minLength: 1, maxLength: 3 }) }),
  fc.record({ cmd: fc.constantFrom('pingreq', 'pingresp', 'disconnect') }),
);

const FAST_IDS = ['mqtt.hdrflags', 'mqtt.msgtype', 'mqtt.dupflag', 'mqtt.qos', 'mqtt.retain', 'mqtt.len', 'mqtt.msgid', 'mqtt.topic', 'mqtt.msg', 'mqtt.clientid', 'mqtt.username', 'mqtt.passwd', 'mqtt.kalive', 'mqtt.conack.val'];

describe('fast path agrees with the field tree', () => {
  it('every fast id gives the same values as searching the tree', () => {
    fc.assert(fc.property(packetArb, fc.integer({ min: 0, max: 40 }), (p, cut) => {
      const full = gen(p as Record<string, unknown>);
      // Truncated packets too: the summary and the tree must still agree.
      const recs = [full, real(full.bytes.subarray(0, Math.max(1, full.bytes.length - cut)))];
      for (const rec of recs) {
        for (const id of FAST_IDS) {
          const spec = lookupField(id)!;
          expect(spec.fast).toBe(true);
          expect(norm(spec.packet(rec)), `${id} on ${Buffer.from(rec.bytes).toString('hex')}`).toEqual(treeValues(rec.tree().fields, id));
        }
      }
    }), { numRuns: 400 });
  });
});

function harvest(fields: Field[], out: Set<string>): void {
  for (const f of fields) {
    out.add(f.id);
    if (f.children) harvest(f.children, out);
  }
}

describe('known ids', () => {
  it('every id the dissector produces is accepted by the filter', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(packetArb, (p) => { harvest(gen(p as Record<string, unknown>).tree().fields, seen); }), { numRuns: 300 });
    for (const r of [connect, connack5, pub1, sub, puback5, pub5alias]) harvest(r.tree().fields, seen);
    const unknown = [...seen].filter((id) => !KNOWN_IDS.has(id));
    expect(unknown).toEqual([]);
    for (const id of seen) expect(() => compileFilter(id)).not.toThrow();
  });
});

describe('RecordFilter: findings', () => {
  const recs = aclScenario();
  const run = (expr: string) => {
    const f = new RecordFilter(expr);
    return recs.filter((r) => f.test(r)).map((r) => (r.kind === 'packet' ? r.frame : r.code));
  };
  it('a finding passes when one of its packets passed', () => {
    expect(run('publish')).toEqual([7, 'undelivered-publish']);
    expect(run('connect')).toEqual([1, 5]);
  });
  it('a finding passes when the expression holds on the finding itself', () => {
    expect(run('client == "p-deny"')).toEqual([5, 6, 7, 'undelivered-publish']);
    expect(run('user == "user1" && !connack')).toEqual([5, 7, 'undelivered-publish']);
    expect(run('topic matches "panama/#"')).toEqual([7, 'undelivered-publish']);
    expect(run('frame == 7')).toEqual([7, 'undelivered-publish']);
  });
  it('`finding` selects findings; `!finding` hides them', () => {
    expect(run('finding')).toEqual(['undelivered-publish']);
    expect(run('finding == "undelivered-publish"')).toEqual(['undelivered-publish']);
    expect(run('finding == "connect-refused"')).toEqual([]);
    expect(run('!finding')).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
  it('severity applies to findings and packet notes', () => {
    expect(run('severity == warn')).toEqual(['undelivered-publish']);
  });
  it('an empty filter passes everything', () => {
    expect(run('')).toHaveLength(recs.length);
  });
  it('compileFilter(...).finding evaluates on the finding', () => {
    const f = finding({ code: 'connect-refused', clientId: 'x', extra: { dir: 's2c' } });
    expect(compileFilter('dir == s2c').finding(f)).toBe(true);
    expect(compileFilter('publish').finding(f)).toBe(false);
  });
});

describe("Wireshark's frame, tcp and ip ids", () => {
  const v6: ConnMeta = { id: '[::1]:40000-[::1]:1883', client: { host: '::1', port: 40000 }, server: { host: '::1', port: 1883 }, transport: 'tcp' };
  const up = fake({ type: 3, topic: 'a/b' }, { conn: conn(52144, '10.0.0.7'), frame: 40 });
  const down = fake({ type: 4, packetId: 1 }, { conn: conn(52144, '10.0.0.7'), dir: 's2c' });
  const six = fake({ type: 12 }, { conn: v6 });

  it('frame.number is the frame', () => {
    expect(m('frame.number == 40', up)).toBe(true);
    expect(m('frame.number == 41', up)).toBe(false);
  });
  it('tcp.port is either end; srcport/dstport follow the direction', () => {
    expect(m('tcp.port == 1883 && tcp.port == 52144', up)).toBe(true);
    expect(m('tcp.srcport == 52144 && tcp.dstport == 1883', up)).toBe(true);
    expect(m('tcp.srcport == 1883 && tcp.dstport == 52144', down)).toBe(true);
    expect(m('tcp.port == 1884', up)).toBe(false);
  });
  it('ip.* for IPv4 ends, written unquoted as in Wireshark; ipv6.* for IPv6 ends', () => {
    expect(m('ip.src == 10.0.0.7 && ip.dst == 127.0.0.1', up)).toBe(true);
    expect(m('ip.src == 127.0.0.1 && ip.dst == 10.0.0.7', down)).toBe(true);
    expect(m('ip.addr == 10.0.0.7 && ip.addr == "127.0.0.1"', up)).toBe(true);
    expect(m('ip.addr == 10.0.0.8', up)).toBe(false);
    expect(m('ipv6.addr', up)).toBe(false);
    expect(m('ipv6.src == "::1" && ipv6.addr == "::1" && !ip.addr', six)).toBe(true);
  });
  it('on a finding, tcp.port and ip.addr come from its connection', () => {
    const f = finding({ code: 'undelivered-publish', conn: '10.0.0.7:52144-127.0.0.1:1883' });
    expect(compileFilter('tcp.port == 52144 && ip.addr == 10.0.0.7').finding(f)).toBe(true);
    expect(compileFilter('tcp.port == 1884').finding(f)).toBe(false);
    const f6 = finding({ code: 'undelivered-publish', conn: '[::1]:40000-[::1]:1883' });
    expect(compileFilter('tcp.port == 40000 && ipv6.addr == "::1" && !ip.addr').finding(f6)).toBe(true);
  });
});

describe('empty values and MQTT 5 code ids, as Wireshark has them', () => {
  const clearRetained = gen({ cmd: 'publish', topic: 'home/lamp', payload: Buffer.alloc(0), qos: 0, retain: true });
  const emptyId = gen({ cmd: 'connect', clientId: '', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30 });
  const connackV5 = gen({ cmd: 'connack', reasonCode: 0x87, sessionPresent: false }, { version: 5, dir: 's2c' });
  const suback5 = gen({ cmd: 'suback', messageId: 4, granted: [1, 0x87] }, { version: 5, dir: 's2c' });
  const suback4 = gen({ cmd: 'suback', messageId: 4, granted: [1, 0x80] }, { dir: 's2c' });

  it('mqtt.msg == "" finds an empty payload (a retained message cleared), on the fast path and in the tree', () => {
    expect(m('mqtt.retain == 1 && mqtt.msg == ""', clearRetained)).toBe(true);
    expect(m('mqtt.msg', clearRetained)).toBe(true);
    expect(m('mqtt.msg == ""', pub1)).toBe(false);
    expect(treeValues(clearRetained.tree().fields, 'mqtt.msg')).toEqual(['']);
  });
  it('mqtt.clientid == "" finds an empty client id', () => {
    expect(m('mqtt.clientid == ""', emptyId)).toBe(true);
    expect(treeValues(emptyId.tree().fields, 'mqtt.clientid')).toEqual(['']);
  });
  it('MQTT 5 CONNACK and SUBACK codes are mqtt.connack.reason_code and mqtt.suback.reason_code; 3.1.1 keeps mqtt.conack.val and mqtt.suback.qos', () => {
    expect(m('mqtt.connack.reason_code == 0x87', connackV5)).toBe(true);
    expect(m('mqtt.conack.val', connackV5)).toBe(false);
    expect(m('mqtt.conack.val == 5 && !mqtt.connack.reason_code', connack5)).toBe(true);
    expect(m('mqtt.suback.reason_code == 0x87 && !mqtt.suback.qos', suback5)).toBe(true);
    expect(m('mqtt.suback.qos == 0x80 && !mqtt.suback.reason_code', suback4)).toBe(true);
    expect(m('rc == 0x87', connackV5) && m('rc == 5', connack5)).toBe(true);
  });
  it('MQTT 3.1 PUBREL, SUBSCRIBE and UNSUBSCRIBE retries carry mqtt.dupflag and mqtt.qos, as their tree does', () => {
    const retry = real(Uint8Array.from([0x8a, 0x08, 0x00, 0x01, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x01]), { version: 3 });
    expect(m('mqtt.dupflag == 1 && mqtt.qos == 1', retry)).toBe(true);
    expect(treeValues(retry.tree().fields, 'mqtt.dupflag')).toEqual([1]);
    const v4 = real(Uint8Array.from([0x82, 0x08, 0x00, 0x01, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x01]));
    expect(m('mqtt.dupflag', v4)).toBe(false);
  });
});

describe('binary fields read from the field tree compare as bytes, as the payload does', () => {
  // The tree shows binary values as hex; the filter must still see the bytes, or
  // `contains "text"` and `== "text"` never match (docs/filters.md: contains works on binary fields).
  const will = gen({ cmd: 'connect', clientId: 'sensor-7', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30,
    will: { topic: 'status/sensor-7', payload: Buffer.from('offline'), qos: 1, retain: false } });
  const corr = gen({ cmd: 'publish', topic: 'v5/props', payload: Buffer.from('{}'), qos: 0,
    properties: { correlationData: Buffer.from('req-1'), responseTopic: 'v5/reply' } }, { version: 5 });
  const auth = gen({ cmd: 'connect', clientId: 'c', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 30,
    properties: { authenticationMethod: 'SCRAM', authenticationData: Buffer.from('token-xyz') } }, { version: 5 });
  // A PUBLISH cut short (Remaining Length 10, 7 bytes present): an error note sends mqtt.msg to the tree.
  const cut = real(hex('300a 0003 612f62 6869'));

  it('will message', () => {
    expect(m('mqtt.willmsg contains "off"', will)).toBe(true);
    expect(m('mqtt.willmsg == "offline"', will)).toBe(true);
    expect(m('mqtt.willmsg == "online"', will)).toBe(false);
  });
  it('MQTT 5 correlation and authentication data, on the property node and its value', () => {
    expect(m('mqtt.property.correlation_data contains "req"', corr)).toBe(true);
    expect(m('mqtt.property.correlation_data == "req-1"', corr)).toBe(true);
    expect(m('mqtt.property.correlation_data.value == "req-1"', corr)).toBe(true);
    expect(m('mqtt.property.correlation_data.value contains "xyz"', corr)).toBe(false);
    expect(m('mqtt.property.authentication_data contains "token"', auth)).toBe(true);
  });
  it('the payload of a malformed PUBLISH (read from the tree)', () => {
    expect(cut.summary.notes.some((n) => n.severity === 'error')).toBe(true);
    expect(m('payload contains "hi"', cut)).toBe(true);
    expect(m('mqtt.msg == "hi"', cut)).toBe(true);
  });
});
