import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createView, findingToJson, SummaryCounter, summaryToJson } from '../../src/views/index.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { finding, hex, real, T0 } from '../filter/records.js';
import { sampleRecords } from './sample.js';

import { CONTRACT_CHECKER as CHECKER } from '../helpers/contract.js';

function ndjson(recs: OutputRecord[], opts: Record<string, unknown> = {}, withSummary = true): string {
  let s = '';
  const v = createView('json', { out: { write: (x: string) => { s += x; } }, ...opts });
  const c = new SummaryCounter();
  for (const r of recs) { v.record(r); c.record(r); }
  v.end(withSummary ? c.toRecord() : undefined);
  return s;
}

function check(out: string): { status: number | null; stdout: string } {
  const r = spawnSync('python3', [CHECKER], { input: out, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout + r.stderr };
}

describe('json view', () => {
  it('writes one JSON record per line, in order, with kind', () => {
    const recs = sampleRecords();
    const lines = ndjson(recs).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(recs.length + 1);
    expect(lines.map((l) => l['kind'])).toEqual([...recs.map((r) => r.kind), 'summary']);
  });

  it('passes the JSON contract checker (with and without --fields)', () => {
    for (const opts of [{}, { fields: true }, { showSecrets: true }]) {
      const r = check(ndjson(sampleRecords(), opts));
      expect(r.stdout).toMatch(/^0 problems; records: finding=2, packet=11, summary=1/m);
      expect(r.status).toBe(0);
    }
  });

  it('bytes framed as the reserved packet type 0 become a protocol-violation finding, not a packet with a non-spec type', () => {
    const rec = real(hex(
      '00' + // byte 1: type 0 (reserved), flags 0
      '03' + // Remaining Length 3
      '616263', // three bytes of whatever followed
    ), { frame: 7 });
    const out = ndjson([rec], {}, false);
    const o = JSON.parse(out) as Record<string, unknown>;
    expect(o).toMatchObject({
      kind: 'finding', code: 'protocol-violation', severity: 'error', frames: [7],
      // Only the fixed header: what follows cannot be decoded and may hold a password (below).
      dir: 'c2s', note: 'reserved-packet-type', spec: 'MQTT-2.2.1', packet_type: 0, length: 3, bytes: '0003',
    });
    expect(o['text']).toMatch(/5 byte\(s\) framed as a packet of the reserved type 0 \(first byte 0x00, Remaining Length 3\)/);
    const r = check(out);
    expect(r.stdout).toMatch(/^0 problems; records: finding=1$/m);
    expect(JSON.parse(ndjson([rec], { showSecrets: true }, false))['bytes']).toBe('0003616263');
  });

  it('a CONNECT swallowed by a type-0 packet (a stray 00 21 before it) shows no password, in the finding or the tree', () => {
    const rec = real(hex(
      '00 21' + // type 0, Remaining Length 33: the next 33 bytes are its "body"
      '10 1f 0004 4d515454 04 c2 003c 0003 636964 0004 75736572 0008 5345435245545057', // CONNECT cid/user, password SECRETPW
    ));
    for (const out of [ndjson([rec], {}, false), ndjson([rec], { fields: true }, false)]) {
      expect(out).not.toContain('5345435245545057');
      expect(out).not.toContain('SECRETPW');
    }
    for (const view of ['tree', 'hex', 'line']) {
      let text = '';
      const v = createView(view, { out: { write: (x: string) => { text += x; } } });
      v.record(rec);
      v.end();
      expect(text, view).not.toMatch(/53 ?45 ?43 ?52 ?45 ?54 ?50 ?57|SECRETPW/);
    }
  });

  it('the checker does catch a broken record (the test can fail)', () => {
    const r = check('{"kind":"finding","code":"nope","severity":"loud","text":"x"}\n');
    expect(r.status).toBe(1);
  });

  it('finding records carry the contract fields and the code-specific extras', () => {
    const f = finding({
      code: 'undelivered-publish', frames: [42], topic: 'a/b', username: 'user1', time: T0,
      extra: { subscribers: [{ client_id: 'watcher', filter: '#' }], text: 'must not override', payload: new Uint8Array([1, 2]) },
    });
    expect(findingToJson(f)).toEqual({
      kind: 'finding', code: 'undelivered-publish', severity: 'warn', time: '2026-11-23T18:00:01.512913Z',
      conn: '127.0.0.1:52144-127.0.0.1:1883', client_id: 'p1', username: 'user1', frames: [42], topic: 'a/b',
      text: 'something happened', subscribers: [{ client_id: 'watcher', filter: '#' }], payload: '0102',
    });
  });

  it('summary records carry counts and extras', () => {
    const o = summaryToJson({ kind: 'summary', packets: { PUBLISH: 3 }, findings: { 'stream-gap': 1 }, connections: 2, clients: ['a'], bytes: 10, extra: { per_topic: { x: 1 }, bytes: 99 } });
    expect(o).toEqual({ kind: 'summary', packets: { PUBLISH: 3 }, findings: { 'stream-gap': 1 }, connections: 2, clients: ['a'], bytes: 10, per_topic: { x: 1 } });
  });

  it('masks the password unless showSecrets; --fields masks the tree too', () => {
    const hidden = ndjson(sampleRecords(), { fields: true });
    expect(hidden).not.toContain(Buffer.from('s3cret-pw').toString('hex'));
    expect(hidden).not.toContain('s3cret-pw');
    expect(hidden).toContain('"password":"********"');
    const shown = ndjson(sampleRecords(), { showSecrets: true });
    expect(shown).toContain(Buffer.from('s3cret-pw').toString('hex'));
  });

  it('--fields adds the flat fields array', () => {
    const first = JSON.parse(ndjson(sampleRecords(), { fields: true }).split('\n')[0]!) as { fields: Array<{ id: string }> };
    expect(first.fields.map((f) => f.id)).toContain('mqtt.clientid');
  });

  it('--fields entries carry label and depth, and bit fields their mask, so the tree and each bit can be rebuilt', () => {
    const [rec] = sampleRecords().filter((r) => r.kind === 'packet' && r.summary.type === 1);
    const line = JSON.parse(ndjson([rec!], { fields: true }).split('\n')[0]!) as { fields: Array<{ id: string; label: string; depth: number; mask?: number; offset: number }> };
    const f = line.fields;
    const at = (id: string) => f.findIndex((x) => x.id === id);
    // The fixed header byte: a top-level field with the four bit fields under it.
    expect(f[at('mqtt.hdrflags')]).toMatchObject({ label: 'Header Flags', depth: 0, offset: 0 });
    expect(f[at('mqtt.msgtype')]).toMatchObject({ depth: 1, mask: 0xf0 });
    // The CONNECT flags byte: the password flag is bit 6 of it, one level down.
    const flags = at('mqtt.conflags');
    const pw = at('mqtt.conflag.passwd');
    expect(f[flags]!.depth + 1).toBe(f[pw]!.depth);
    expect(f[pw]!.mask).toBe(0x40);
    expect(pw).toBeGreaterThan(flags);
    // A field that is no bit field has no mask.
    expect(f[at('mqtt.clientid')]).not.toHaveProperty('mask');
    expect(f[at('mqtt.clientid')]!.label).toBe('Client ID');
  });

  it('end() without a summary writes nothing more', () => {
    expect(ndjson([], {}, false)).toBe('');
  });
});
