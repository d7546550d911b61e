import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError, parseFilter } from '../../src/filter/index.js';
import { tokenize } from '../../src/filter/lexer.js';
import { fake } from './records.js';
import { syntaxError } from './errors.js';

const pub = fake({ type: 3, qos: 1, packetId: 7, topic: 'home/kitchen/temp', remainingLength: 30 }, { clientId: 'sensor-1', username: 'alice' });
const pub0 = fake({ type: 3, qos: 0, topic: 'home/hall/temp', remainingLength: 20 }, { clientId: 'sensor-2' });
const puback = fake({ type: 4, packetId: 7, reasonCodes: [0x87] }, { dir: 's2c', clientId: 'sensor-1' });
const connect = fake({ type: 1 }, { clientId: 'sensor-1' });

const m = (expr: string, rec = pub): boolean => compileFilter(expr)(rec);


describe('lexer', () => {
  it('numbers in decimal and hex', () => {
    const t = tokenize('10 0x1F 0X0a 2.5');
    expect(t.slice(0, 4).map((x) => x.num)).toEqual([10, 31, 10, 2.5]);
  });
  it('strings with escapes', () => {
    const [s] = tokenize(String.raw`"a\"b\\c\n\t\x41\u00e9\u{1F600}\/"`);
    expect(s!.kind).toBe('string');
    expect(s!.text).toBe('a"b\\c\n\tAé😀/');
  });
  it('identifiers keep dots and hyphens', () => {
    expect(tokenize('mqtt.conack.flags.sp undelivered-publish').slice(0, 2).map((x) => x.text)).toEqual(['mqtt.conack.flags.sp', 'undelivered-publish']);
  });
  it('operators', () => {
    expect(tokenize('== != < <= > >= ! && || ( ) { } ,').slice(0, -1).map((x) => x.text)).toEqual(['==', '!=', '<', '<=', '>', '>=', '!', '&&', '||', '(', ')', '{', '}', ',']);
  });
});

describe('operators', () => {
  it('==, !=, <, <=, >, >=', () => {
    expect(m('mqtt.qos == 1')).toBe(true);
    expect(m('mqtt.qos == 0')).toBe(false);
    expect(m('mqtt.qos != 0')).toBe(true);
    expect(m('mqtt.qos != 1')).toBe(false);
    expect(m('mqtt.len < 31')).toBe(true);
    expect(m('mqtt.len < 30')).toBe(false);
    expect(m('mqtt.len <= 30')).toBe(true);
    expect(m('mqtt.len > 29')).toBe(true);
    expect(m('mqtt.len > 30')).toBe(false);
    expect(m('mqtt.len >= 30')).toBe(true);
    expect(m('mqtt.len >= 31')).toBe(false);
  });
  it('word operators eq ne lt le gt ge', () => {
    expect(m('mqtt.qos eq 1')).toBe(true);
    expect(m('mqtt.qos ne 1')).toBe(false);
    expect(m('mqtt.len lt 31 and mqtt.len le 30 and mqtt.len gt 29 and mqtt.len ge 30')).toBe(true);
  });
  it('hex numbers', () => {
    expect(m('mqtt.msgid == 0x7')).toBe(true);
    expect(m('mqtt.msgid == 0x0007')).toBe(true);
    expect(m('rc == 0x87', puback)).toBe(true);
    expect(m('rc >= 0x80', puback)).toBe(true);
    expect(m('rc == 135', puback)).toBe(true);
  });
  it('contains on strings', () => {
    expect(m('topic contains "kitchen"')).toBe(true);
    expect(m('topic contains "Kitchen"')).toBe(false); // case-sensitive, like Wireshark
    expect(m('client contains "sensor"')).toBe(true);
    expect(m('mqtt.topic contains "hall"')).toBe(false);
  });
  it('&&/and, ||/or, !/not', () => {
    expect(m('publish && mqtt.qos == 1')).toBe(true);
    expect(m('publish and mqtt.qos == 0')).toBe(false);
    expect(m('puback || mqtt.qos == 1')).toBe(true);
    expect(m('puback or connect')).toBe(false);
    expect(m('!puback')).toBe(true);
    expect(m('not publish')).toBe(false);
    expect(m('!!publish')).toBe(true);
    expect(m('not not not publish')).toBe(false);
  });
  it('keywords are case-insensitive', () => {
    expect(m('PUBLISH AND mqtt.qos EQ 1 OR NOT connect')).toBe(true);
  });
  it('&& binds tighter than ||', () => {
    // connect || (publish && qos == 0): false || (true && false) = false
    expect(m('connect || publish && mqtt.qos == 0')).toBe(false);
    // (publish || connect) && qos == 0 would also be false; flip to show the grouping
    expect(m('publish || connect && mqtt.qos == 0')).toBe(true);
    expect(m('(publish || connect) && mqtt.qos == 0')).toBe(false);
  });
  it('! binds tighter than && and ||', () => {
    expect(m('!connect && publish')).toBe(true);
    expect(m('!(connect || publish)')).toBe(false);
    expect(m('!connect || connect')).toBe(true);
  });
  it('parentheses nest', () => {
    expect(m('((publish) && ((mqtt.qos == 1)))')).toBe(true);
    expect(m('(((connect)))')).toBe(false);
  });
  it('in {…} sets', () => {
    expect(m('type in {publish puback}')).toBe(true);
    expect(m('type in {connect, puback}')).toBe(false);
    expect(m('mqtt.qos in {1 2}')).toBe(true);
    expect(m('client in {"sensor-1", "x"}')).toBe(true);
  });
  it('an empty expression matches everything', () => {
    expect(compileFilter('')(pub)).toBe(true);
    expect(compileFilter('   ')(connect)).toBe(true);
    expect(compileFilter('').matchAll).toBe(true);
  });
});

describe('bare names', () => {
  const names = ['connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback',
    'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'];
  it('all 15 packet types, case-insensitive', () => {
    names.forEach((n, i) => {
      const r = fake({ type: i + 1 });
      expect(m(n, r)).toBe(true);
      expect(m(n.toUpperCase(), r)).toBe(true);
      expect(m(n[0]!.toUpperCase() + n.slice(1), r)).toBe(true);
      expect(m(names[(i + 1) % 15]!, r)).toBe(false);
      expect(m(`type == ${n}`, r)).toBe(true);
      expect(m(`type == "${n.toUpperCase()}"`, r)).toBe(true);
      expect(m(`mqtt.msgtype == ${i + 1}`, r)).toBe(true);
      expect(m(`mqtt.msgtype == ${n}`, r)).toBe(true);
    });
  });
  it('bare fields test existence', () => {
    expect(m('mqtt.msgid')).toBe(true);
    expect(m('mqtt.msgid', pub0)).toBe(false);
    expect(m('!mqtt.msgid', pub0)).toBe(true);
    expect(m('mqtt.qos', connect)).toBe(false); // only PUBLISH has QoS bits
    expect(m('topic', connect)).toBe(false);
    expect(m('user')).toBe(true);
    expect(m('user', pub0)).toBe(false);
  });
});

describe('comparisons on absent fields', () => {
  it('are false for every operator, != included', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=']) expect(m(`mqtt.msgid ${op} 1`, pub0)).toBe(false);
    expect(m('topic contains "a"', connect)).toBe(false);
    expect(m('topic matches "#"', connect)).toBe(false);
    expect(m('mqtt.msgid in {1 2}', pub0)).toBe(false);
  });
});

describe('pseudo-fields', () => {
  it('client, user, dir, conn, frame, version', () => {
    expect(m('client == "sensor-1"')).toBe(true);
    expect(m('client == "127.0.0.1:52144"')).toBe(true); // the address works too
    expect(m('client != "sensor-1"')).toBe(false);
    expect(m('client != "sensor-9"')).toBe(true);
    expect(m('user == "alice" && username == alice')).toBe(true);
    expect(m('dir == c2s')).toBe(true);
    expect(m('dir == s2c', puback)).toBe(true);
    expect(m('dir == "c2s"', puback)).toBe(false);
    expect(m('conn == "127.0.0.1:52144-127.0.0.1:1883"')).toBe(true);
    expect(m('conn contains ":52144"')).toBe(true);
    expect(m(`frame == ${pub.frame}`)).toBe(true);
    expect(m(`frame > ${pub.frame}`)).toBe(false);
    expect(m('version == 4')).toBe(true);
  });
  it('finding and finding == code', () => {
    const flagged = fake({ type: 3, topic: 'a' }, { findings: ['undelivered-publish'] });
    expect(m('finding', flagged)).toBe(true);
    expect(m('finding', pub)).toBe(false);
    expect(m('!finding', pub)).toBe(true);
    expect(m('finding == "undelivered-publish"', flagged)).toBe(true);
    expect(m('finding == undelivered-publish', flagged)).toBe(true);
    expect(m('finding == "connect-refused"', flagged)).toBe(false);
  });
});

describe('topic matches (MQTT wildcards)', () => {
  const topic = (t: string) => fake({ type: 3, topic: t });
  const cases: Array<[string, string, boolean]> = [
    ['home/+/temp', 'home/kitchen/temp', true],
    ['home/+/temp', 'home/kitchen/hum', false],
    ['home/+/temp', 'home/a/b/temp', false],
    ['home/+/temp', 'home//temp', true],
    ['home/#', 'home', true],
    ['home/#', 'home/a/b/c', true],
    ['home/#', 'homes/a', false],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/broker/uptime', false],
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['$SYS/+/uptime', '$SYS/broker/uptime', true],
    ['+', 'a', true],
    ['+', 'a/b', false],
    ['+/+', 'a/b', true],
    ['/+', '/a', true],
    ['+/#', 'a', true],
    ['Room1/Light', 'Room1/Light', true],
    ['Room1/Light', 'room1/light', false],
  ];
  it.each(cases)('%s vs %s → %s', (filter, t, want) => {
    expect(m(`topic matches ${JSON.stringify(filter)}`, topic(t))).toBe(want);
  });
});

describe('syntax errors point at the failing character', () => {
  const cases: Array<[string, number, string]> = [
    ['mqtt.qos ==', 11, 'unexpected-end'],
    ['mqtt.qos == ', 12, 'unexpected-end'],
    ['publish &&', 10, 'unexpected-end'],
    ['publish ||', 10, 'unexpected-end'],
    ['!', 1, 'unexpected-end'],
    ['(publish', 8, 'unclosed-paren'],
    ['publish)', 7, 'unexpected-token'],
    ['publish puback', 8, 'unexpected-token'],
    ['mqtt.qos = 1', 9, 'unexpected-char'],
    ['publish & puback', 8, 'unexpected-char'],
    ['publish | puback', 8, 'unexpected-char'],
    ["topic == 'a'", 9, 'unexpected-char'],
    ['topic == "abc', 9, 'unterminated-string'],
    ['topic == "a\\qb"', 11, 'bad-escape'],
    ['topic == "\\x4"', 10, 'bad-escape'],
    ['mqtt.msgid == 0x', 16, 'bad-number'],
    ['mqtt.msgid == 12ab', 16, 'bad-number'],
    ['publsh', 0, 'unknown-field'],
    ['publish && mqtt.qso == 1', 11, 'unknown-field'],
    ['mqtt.qos == 1 && ()', 18, 'unexpected-token'],
    ['== 1', 0, 'unexpected-token'],
    ['"x"', 0, 'unexpected-token'],
    ['publish == 3', 8, 'unexpected-token'],
    ['topic matches "home/#/x"', 20, 'bad-topic-filter'],
    ['topic matches "home/te+"', 22, 'bad-topic-filter'],
    ['topic matches 3', 14, 'bad-operand'],
    ['type in publish', 8, 'unexpected-token'],
    ['type in {publish', 16, 'unclosed-paren'],
    ['mqtt.qos == == 1', 12, 'unexpected-token'],
    ['publish @ x', 8, 'unexpected-char'],
    ['type == publsh', 8, 'bad-operand'],
    ['mqtt.msgtype in {publish conect}', 25, 'bad-operand'],
    ['type != "pubrek"', 8, 'bad-operand'],
    ['type in {publish, }', 18, 'unexpected-token'],
    ['type in {publish,, puback}', 17, 'unexpected-token'],
  ];
  it.each(cases)('%j fails at %i (%s)', (expr, pos, code) => {
    const e = syntaxError(expr);
    expect(e.position).toBe(pos);
    expect(e.code).toBe(code);
    const lines = e.message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(`  ${expr}`);
    expect(lines[2]).toBe(`  ${' '.repeat(pos)}^`);
    expect(lines[0]).toContain(`position ${pos + 1}`);
    expect(e.reason).toBe(lines[0]!.replace(/ \(at position \d+\)$/, ''));
  });
  it('an invalid number is quoted whole in the message', () => {
    expect(syntaxError('mqtt.qos == 1e3').reason).toBe("invalid number '1e3'; quote it if it is a string");
    expect(syntaxError('mqtt.msgid == 12ab').reason).toBe("invalid number '12ab'; quote it if it is a string");
  });
  it('suggests the nearest name', () => {
    expect(syntaxError('publsh').reason).toContain("did you mean 'publish'");
    expect(syntaxError('mqtt.topc == "x"').reason).toContain("did you mean 'mqtt.topic'");
    expect(syntaxError('clinet == "x"').reason).toContain("did you mean 'client'");
    expect(syntaxError('type == publsh').reason).toBe("'publsh' is not a packet type; did you mean 'publish'?");
  });
  it('packet-type values: names in any case, numbers and numeric strings are accepted', () => {
    for (const ok of ['type == PUBLISH', 'type == 3', 'type == "3"', 'mqtt.msgtype in {connect, connack}', 'type != auth']) {
      expect(() => compileFilter(ok), ok).not.toThrow();
    }
  });
});

describe('robustness', () => {
  it('random strings never throw anything but FilterSyntaxError', () => {
    const alphabet = fc.constantFrom(...'abcmqtpubish.=!<>&|()"\\{}, 0x19+#/'.split(''), 'publish', 'mqtt.qos', 'topic', 'matches', 'contains', 'in', '==', '&&', '||', 'and', 'not');
    const gen = fc.oneof(fc.string(), fc.array(alphabet, { maxLength: 20 }).map((a) => a.join('')), fc.array(alphabet, { maxLength: 20 }).map((a) => a.join(' ')));
    fc.assert(fc.property(gen, (s) => {
      try {
        const f = compileFilter(s);
        f(pub); f(connect); f(puback);
      } catch (e) {
        if (!(e instanceof FilterSyntaxError)) throw e;
        expect(e.position).toBeGreaterThanOrEqual(0);
        expect(e.position).toBeLessThanOrEqual(s.length);
      }
    }), { numRuns: 3000 });
  });
  it('parseFilter returns null for blank input', () => {
    expect(parseFilter(' \t')).toBeNull();
  });
});

describe("Wireshark habits that mean something else here", () => {
  it("'~' (Wireshark's regex match) is an error that points to matches and contains", () => {
    const e = syntaxError('mqtt.topic ~ "user"');
    expect(e.position).toBe(11);
    expect(e.message).toMatch(/regular-expression match.*'matches' with an MQTT topic filter.*'contains'/);
  });
  it("'matches' with a regular expression is an error, not a literal topic that never matches", () => {
    for (const re of ['"^panama"', '"panama/.*"', '"a\\\\d"']) {
      expect(syntaxError(`topic matches ${re}`).message, re).toMatch(/MQTT topic filter .* not a regular expression/);
    }
    // $SYS topics and plain filters are still fine.
    expect(() => compileFilter('topic matches "$SYS/#"')).not.toThrow();
    expect(() => compileFilter('topic matches "a/+/c"')).not.toThrow();
  });
  it('an unquoted IPv4 address is one word; a malformed one is still a bad number', () => {
    expect(tokenize('ip.addr == 10.0.0.1').map((t) => t.kind)).toEqual(['ident', 'op', 'ident', 'eof']);
    expect(syntaxError('ip.addr == 10.0.0.1.5').code).toBe('bad-number');
  });
});
