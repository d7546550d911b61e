// Secrets (docs/dissector.md "Secrets"): the CONNECT Password, MQTT 5 Authentication
// Data, and the bytes a CONNECT, CONNACK or AUTH leaves undecoded are masked in the
// tree, hex and JSON renderings unless --show-secrets, and the masked copy of a tree
// gives the hex views the same byte ranges as the tree itself (the TUI masks its hex
// pane from the copy it shows).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dissect, inRanges, isUndecodable, MASK, maskSecrets, SECRET_FIELD_IDS, secretRanges, summarize, UNDECODED_FIELD_IDS,
  visitSecrets, flattenFields,
} from '../../src/dissect/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import type { Field, ProtocolVersion } from '../../src/model/types.js';
import { renderHex } from '../../src/views/hex.js';
import { packetToJson } from '../../src/views/packet-json.js';
import { renderTree } from '../../src/views/tree.js';
import { find, hex } from './helpers.js';
import { VECTORS } from './vectors.js';

const conn = { id: '127.0.0.1:5-127.0.0.1:1883', client: { host: '127.0.0.1', port: 5 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' as const };

function rec(bytes: Uint8Array, version: ProtocolVersion): PacketRecord {
  const summary = summarize(bytes, { version });
  return {
    kind: 'packet', seq: 1, frame: 1, time: 0, conn, dir: 'c2s', clientId: null, username: null, version,
    versionInferred: false, bytes, size: bytes.length, summary, topic: summary.topic, notes: summary.notes, findings: [],
    tree: () => dissect(bytes, { version }),
  };
}

/** Every rendering of a packet the views make from its tree: tree, hex, JSON (summary and --fields). */
function renderings(b: Uint8Array, version: ProtocolVersion, showSecrets: boolean): string {
  const t = dissect(b, { version });
  return [
    renderTree(b, t, { showSecrets, maxHexBytes: 100_000, version }),
    renderHex(b, t, { showSecrets }),
    JSON.stringify(packetToJson(rec(b, version), { fields: true, showSecrets })),
  ].join('\n');
}

/** The ways a secret can show: hex (plain and spaced, as the tree and hex views print it) and text (quoted when short: 'pass' is in 'password'). */
function forms(secret: string): string[] {
  const h = Buffer.from(secret).toString('hex');
  return [h, h.match(/../g)!.join(' '), secret.length >= 6 ? secret : `"${secret}"`];
}

/** `secret` shows in no form unless --show-secrets; with it, nothing is masked and `shownPart` shows. */
function expectMasked(b: Uint8Array, version: ProtocolVersion, secret: string, shownPart = secret): void {
  const masked = renderings(b, version, false);
  for (const f of forms(secret)) expect(masked, `'${f}' shows without --show-secrets`).not.toContain(f);
  const shown = renderings(b, version, true);
  expect(shown, 'shown with --show-secrets').toContain(Buffer.from(shownPart).toString('hex'));
  expect(shown).not.toContain('**');
}

/** A length-prefixed string in hex. */
const str = (s: string): string => `${Buffer.from([s.length >> 8, s.length & 255]).toString('hex')}${Buffer.from(s).toString('hex')}`;
const pkt = (h: number, body: string): Uint8Array => {
  const b = hex(body);
  if (b.length > 127) throw new Error('test packets stay under 128 bytes');
  return Uint8Array.from([h, b.length, ...b]);
};

// Properties: Authentication Method "SCRAM-SHA-1", Authentication Data "n,,n=user,r=TOPSECRETNONCE".
const AUTH_PROPS = (() => {
  const p = `15${str('SCRAM-SHA-1')}16${str('n,,n=user,r=TOPSECRETNONCE')}`;
  return `${(p.length / 2).toString(16).padStart(2, '0')}${p}`;
})();
const CONNECT5_AUTH = pkt(0x10, `${str('MQTT')} 05 02 00 3c ${AUTH_PROPS} ${str('cid')}`);
const CONNACK5_AUTH = pkt(0x20, `00 00 ${AUTH_PROPS}`);
const AUTH5 = pkt(0xf0, `18 ${AUTH_PROPS}`);

describe('MQTT 5 Authentication Data is a secret', () => {
  for (const [name, b] of [['CONNECT', CONNECT5_AUTH], ['CONNACK', CONNACK5_AUTH], ['AUTH', AUTH5]] as const) {
    it(`${name}: masked in tree, hex and JSON; the Authentication Method is shown`, () => {
      expectMasked(b, 5, 'TOPSECRETNONCE');
      const out = renderings(b, 5, false);
      expect(out).toContain('Authentication Method: "SCRAM-SHA-1"');
      expect(out).toContain('Authentication Data: ********');
      expect(out).toContain('Value Length: 26'); // the length is not secret, like the Password Length
      const j = packetToJson(rec(b, 5), {});
      expect(j['properties']).toEqual({ authentication_method: 'SCRAM-SHA-1', authentication_data: MASK });
      const shown = packetToJson(rec(b, 5), { showSecrets: true });
      expect((shown['properties'] as Record<string, unknown>)['authentication_data']).toBe(Buffer.from('n,,n=user,r=TOPSECRETNONCE').toString('hex'));
    });
  }

  it('the property identifier and length bytes stay visible; only the value is masked', () => {
    const t = dissect(AUTH5, { version: 5 });
    const v = find(t.fields, 'mqtt.property.authentication_data.value')!;
    const node = find(t.fields, 'mqtt.property.authentication_data')!;
    expect(secretRanges(t.fields)).toEqual([[v.offset, v.offset + v.length]]);
    const hexView = renderHex(AUTH5, t);
    expect(hexView).toMatch(/^\S+ {2}16 +Authentication Data: Property Identifier/m);
    expect(hexView).toMatch(/^\S+ {2}00 1a +Authentication Data: Value Length/m);
    expect(node.offset).toBeLessThan(v.offset);
  });

  it('cut off by the end of the packet: the part that is there is masked', () => {
    // AUTH, Property Length 12 past the end: 16 00 1a then "TOPSECRET" only.
    const b = pkt(0xf0, `18 0c 16 00 1a ${Buffer.from('TOPSECRET').toString('hex')}`);
    expectMasked(b, 5, 'TOPSECRET');
    expect(renderings(b, 5, false)).toMatch(/Value: \*{8} \(truncated: 9 of 26 bytes\)/);
  });

  it('running past its property block and the packet: the undecoded rest is masked', () => {
    // AUTH: Property Length 4 holds 16 00 1a 54 ('T'); the data goes on past the block ("OPSECRET", Trailing Bytes).
    const b = pkt(0xf0, `18 04 16 00 1a ${Buffer.from('TOPSECRET').toString('hex')}`);
    const t = dissect(b, { version: 5 });
    expect(find(t.fields, 'mqtt.property.undecoded')).toMatchObject({ offset: 5, length: 3 });
    expectMasked(b, 5, 'OPSECRET');
    expect(renderHex(b, t)).toMatch(/^0005 {2}\*\* \*\* \*\* +Undecoded \(mqtt\.property\.undecoded\)$/m);
    expect(renderings(b, 5, false)).toContain('Authentication Data: (runs past the property block: ********)');
    // The same in a PUBLISH (no credentials expected): what the Authentication Data leaves
    // undecoded is masked, the payload after the block is not.
    const p = pkt(0x30, `${str('t')} 04 16 00 1a 54 ${Buffer.from('payload').toString('hex')}`);
    const pt = dissect(p, { version: 5 });
    expect(renderHex(p, pt)).toMatch(/\*\* \*\* \*\* +Undecoded \(mqtt\.property\.undecoded\)$/m);
    expect(renderTree(p, pt)).toContain('Message: "payload"');
    expect(renderings(p, 5, false)).not.toContain('001a54');
  });

  it('in a packet that must not carry it (PUBLISH), it is still masked', () => {
    const b = pkt(0x30, `${str('t')} 0e 16 ${str('TOPSECRETXYZ')} ${Buffer.from('hi').toString('hex')}`);
    expect(summarize(b, { version: 5 }).notes.map((n) => n.code)).toContain('property-not-allowed');
    expectMasked(b, 5, 'TOPSECRETXYZ');
  });
});

describe('bytes a CONNECT leaves undecoded are masked like the password', () => {
  it('a Password sent with the Password Flag 0 (Trailing Bytes)', () => {
    const b = pkt(0x10, `${str('MQTT')} 04 82 00 3c ${str('cid')} ${str('user')} ${str('hunter2pw')}`);
    expect(find(dissect(b, { version: 4 }).fields, 'mqtt.trailing')).toBeDefined();
    expectMasked(b, 4, 'hunter2pw');
    const out = renderings(b, 4, false);
    expect(out).toContain('User Name: "user"');
    expect(out).toContain('Trailing Bytes: ********');
  });

  it('User Name and Password with neither flag set', () => {
    const b = pkt(0x10, `${str('MQTT')} 04 02 00 3c ${str('cid')} ${str('user')} ${str('hunter2pw')}`);
    expectMasked(b, 4, 'hunter2pw');
  });

  it('the Property Length of the suricata-verify mqtt5-excessiveproplen CONNECT swallows Client ID, User Name and Password', () => {
    // The CONNECT of test/fixtures/suricata-verify/mqtt5-excessiveproplen/input.pcap.
    const b = hex('102f00044d51545405c2003cff21001400136d79766f69636569736d7970617373706f7274000475736572000470617373');
    const t = dissect(b, { version: 5 });
    expect(find(t.fields, 'mqtt.property.unknown')).toBeDefined();
    expectMasked(b, 5, 'pass');
    expectMasked(b, 5, 'myvoiceismypassport'); // the Client ID went with it: it cannot be told from the password
    expect(renderings(b, 5, false)).toContain('Unknown Property: identifier 0x00 (undecodable: ********)');
  });

  it('a User Name whose length runs past the packet takes the Password with it: masked', () => {
    const b = pkt(0x10, `${str('MQTT')} 04 c2 00 3c ${str('cid')} 00 30 ${Buffer.from('user').toString('hex')} ${str('hunter2pw')}`);
    expect(find(dissect(b, { version: 4 }).fields, 'mqtt.username')!.display).toMatch(/\(truncated: 15 of 48 bytes\)$/);
    expectMasked(b, 4, 'hunter2pw');
    expect(renderings(b, 4, false)).toContain('User Name: ******** (truncated: 15 of 48 bytes)');
  });

  it('bytes after the end of the packet (beyond the Remaining Length)', () => {
    const connect = `${str('MQTT')} 04 c2 00 3c ${str('cid')} ${str('user')} ${str('pw')}`;
    const b = Uint8Array.from([...pkt(0x10, connect), ...Buffer.from('hunter2pw')]);
    expectMasked(b, 4, 'hunter2pw');
  });

  it('a CONNACK or AUTH leaves its undecoded bytes masked too; other packets show them', () => {
    expectMasked(pkt(0x20, `00 00 ${Buffer.from('TOPSECRET').toString('hex')}`), 4, 'TOPSECRET');
    // AUTH: an unknown property before the Authentication Data hides it in undecoded bytes.
    expectMasked(pkt(0xf0, `18 0f 00 16 ${str('TOPSECRETXY')}`), 5, 'TOPSECRETXY');
    // A PUBACK's trailing bytes and a PINGREQ's undecoded bytes are no secret.
    for (const b of [pkt(0x40, `00 01 ${Buffer.from('visible').toString('hex')}`), pkt(0xc0, Buffer.from('visible').toString('hex'))]) {
      const out = renderings(b, 4, false);
      expect(out).toContain(Buffer.from('visible').toString('hex'));
      expect(out).not.toContain('**');
    }
  });

  it('a well-formed CONNECT masks exactly its password (unchanged)', () => {
    const b = pkt(0x10, `${str('MQTT')} 04 c2 00 3c ${str('cid')} ${str('user')} ${str('hunter2pw')}`);
    const t = dissect(b, { version: 4 });
    const p = find(t.fields, 'mqtt.passwd')!;
    expect(secretRanges(t.fields)).toEqual([[p.offset, p.offset + p.length]]);
    expectMasked(b, 4, 'hunter2pw');
  });
});

/** Everything that could show the bytes of a field that was not decoded, after masking. */
function leaksOf(fields: Field[]): string[] {
  return flattenFields(fields)
    .filter((f) => /^[0-9a-f]+ \((truncated: |invalid: longer)|(undecodable|runs past the property block): [0-9a-f]/.test(f.display)
      || ((UNDECODED_FIELD_IDS.has(f.id) || SECRET_FIELD_IDS.has(f.id)) && f.value !== MASK))
    .map((f) => `${f.id} @${f.offset}: ${f.display}`);
}

const CREDENTIAL_TYPES = new Set([1, 2, 15]);

function checkSecrets(b: Uint8Array, version: ProtocolVersion): void {
  const t = dissect(b, { version });
  const masked = maskSecrets(t.fields, b);
  const ranges = secretRanges(t.fields, b);
  // The TUI masks its hex pane from the masked copy, without the bytes.
  expect(secretRanges(masked)).toEqual(ranges);
  // Every byte whose field is secret is in a range; ranges are sorted and disjoint.
  for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
  visitSecrets(t.fields, (f, secret) => {
    if (!secret || f.children?.some((c) => c.mask === undefined)) return;
    for (let i = f.offset; i < f.offset + f.length; i++) expect(inRanges(i, ranges), `${f.id} byte ${i}`).toBe(true);
  }, b);
  const type = b.length > 0 ? b[0]! >> 4 : -1;
  if (CREDENTIAL_TYPES.has(type)) expect(leaksOf(masked)).toEqual([]);
  // The hex view prints `**` for exactly the bytes in the ranges.
  const lines = renderHex(b, t).split('\n').filter(Boolean);
  const shown = lines.flatMap((l) => l.slice(6, 6 + 47).trim().split(/\s+/));
  expect(shown).toHaveLength(b.length);
  shown.forEach((x, i) => expect(x === '**', `byte ${i}`).toBe(inRanges(i, ranges)));
  // Nothing is masked with --show-secrets.
  expect(renderHex(b, t, { showSecrets: true })).not.toContain('**');
}

describe('secret ranges and masked copies agree', () => {
  const VERSIONS: ProtocolVersion[] = [3, 4, 5];

  it('for every byte vector', () => {
    for (const [, , h] of VECTORS) for (const v of VERSIONS) checkSecrets(hex(h), v);
  });

  it('for mutated packets (bit flips and cuts) and random bodies behind every header', () => {
    const bases = [...VECTORS.map(([, v, h]) => [hex(h), v] as const), [CONNECT5_AUTH, 5] as const, [AUTH5, 5] as const, [CONNACK5_AUTH, 5] as const];
    fc.assert(fc.property(fc.integer({ min: 0, max: bases.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.nat(), (i, pos, bit, cut) => {
      const [base, v] = bases[i]!;
      const b = base.slice();
      if (b.length > 0) b[pos % b.length]! ^= 1 << bit;
      checkSecrets(b.subarray(0, b.length - (cut % 5)), v);
    }), { numRuns: 3000 });
    fc.assert(fc.property(fc.constantFrom(0x10, 0x20, 0xf0, 0x30, 0x40), fc.uint8Array({ maxLength: 60 }), fc.constantFrom(...VERSIONS), (b0, rest, v) => {
      checkSecrets(Uint8Array.from([b0, rest.length, ...rest]), v);
    }), { numRuns: 3000 });
  });

  it('a tree without a Header Flags field (a dissector error) masks its undecoded bytes unless the type is known', () => {
    const fields: Field[] = [{ id: 'mqtt.undecoded', label: 'Undecoded', offset: 0, length: 4, value: '30020000', display: '30020000' }];
    expect(secretRanges(fields)).toEqual([[0, 4]]);
    expect(secretRanges(fields, hex('30 02 00 00'))).toEqual([]);
    expect(secretRanges(fields, hex('10 02 00 00'))).toEqual([[0, 4]]);
  });

  it('tells undecodable fields by id or by the display the walker gives them', () => {
    const f = (id: string, display: string): Field => ({ id, label: '', offset: 0, length: 1, value: null, display });
    expect(isUndecodable(f('mqtt.trailing', 'ab'))).toBe(true);
    expect(isUndecodable(f('mqtt.username', '7573 (truncated: 2 of 9 bytes)'))).toBe(true);
    expect(isUndecodable(f('mqtt.username', '******** (truncated: 2 of 9 bytes)'))).toBe(true);
    expect(isUndecodable(f('mqtt.property_len', 'ffffffff (invalid: longer than 4 bytes)'))).toBe(true);
    expect(isUndecodable(f('mqtt.username', '"user (truncated: 2 of 9 bytes)"'))).toBe(false);
    expect(isUndecodable(f('mqtt.clientid', '"cid"'))).toBe(false);
  });
});
