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
      dir: 'c2s', note: 'reserved-packet-type', spec: 'MQTT-2.2.1', packet_type: 0, length: 3, bytes: '0003616263',
    });
    expect(o['text']).toMatch(/5 byte\(s\) framed as a packet of the reserved type 0 \(first byte 0x00, Remaining Length 3\)/);
    const r = check(out);
    expect(r.stdout).toMatch(/^0 problems; records: finding=1$/m);
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

  it('end() without a summary writes nothing more', () => {
    expect(ndjson([], {}, false)).toBe('');
  });
});
