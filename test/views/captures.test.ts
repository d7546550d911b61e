// Real captures (captures/, recorded from mosquitto) through the engine,
// analysis, filter and every view.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import { RecordFilter } from '../../src/filter/index.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { createView, SummaryCounter } from '../../src/views/index.js';
import { CONTRACT_CHECKER } from '../helpers/contract.js';

const DIR = new URL('../../captures/', import.meta.url);
const FILES = readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f)).sort();

function records(file: string): OutputRecord[] {
  const out: OutputRecord[] = [];
  const analyzer = new Analyzer((f) => out.push(f));
  const engine = new Engine({ onRecord: (r) => out.push(r), observers: [analyzer] });
  readCaptureBuffer(readFileSync(new URL(file, DIR)), { engine });
  return out;
}

function render(name: string, recs: OutputRecord[], opts: Record<string, unknown> = {}): string {
  let s = '';
  const v = createView(name, { out: { write: (x: string) => { s += x; } }, utc: true, ...opts });
  const c = new SummaryCounter();
  for (const r of recs) { v.record(r); c.record(r); }
  v.end(c.toRecord());
  return s;
}

describe('views on real captures', () => {
  it('there are captures to read', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(5);
  });

  it.each(FILES)('%s: json passes the contract checker; every view renders every packet', (file) => {
    const recs = records(file);
    expect(recs.some((r) => r.kind === 'packet')).toBe(true);
    const json = render('json', recs, { fields: true });
    const r = spawnSync('python3', [CONTRACT_CHECKER], { input: json, encoding: 'utf8' });
    expect(r.stdout).toMatch(/^0 problems/m);
    expect(r.status).toBe(0);
    const packets = recs.filter((x) => x.kind === 'packet').length;
    const line = render('line', recs);
    expect(line.split('\n').filter((l) => / [→←] /.test(l))).toHaveLength(packets);
    expect(line).not.toContain('\x1b');
    const table = render('table', recs);
    expect(table.split('\n').filter((l) => /│ [→←] │/.test(l))).toHaveLength(packets);
  });

  it('acl.pcap: passwords are masked everywhere; the refused CONNACK reads "Not authorized"', () => {
    const recs = records('acl.pcap');
    for (const v of ['line', 'table', 'json', 'tree', 'hex']) {
      const s = render(v, recs, { fields: true });
      expect(s).not.toMatch(/pw=(?!\*{8})/);
      expect(s).toContain('********');
    }
    expect(render('line', recs)).toMatch(/p-badpw +← CONNACK +sp=0 {2}len=2 {2}rc=5 Not authorized/);
  });

  it('acl.pcap: filters select what the expression says', () => {
    const recs = records('acl.pcap');
    const pick = (expr: string): OutputRecord[] => { const f = new RecordFilter(expr); return recs.filter((r) => f.test(r)); };
    const frames = (expr: string): Array<number | string> => pick(expr).map((r) => (r.kind === 'packet' ? r.summary.type : r.code));
    // The denied publish and its undelivered-publish finding (the finding's frame passed the filter).
    expect(frames('publish && topic matches "panama/+/user1"')).toEqual([3, 'undelivered-publish']);
    expect(frames('connack && rc != 0')).toEqual([2, 'connect-refused']);
    // Read after the fact, the packets carry their findings: the two silently dropped publishes
    // (and the PUBACK of the QoS 1 one), then CONNECT and CONNACK of the refused client.
    expect(frames('finding')).toEqual([3, 3, 4, 1, 2, 'connect-refused', 'undelivered-publish', 'undelivered-publish']);
    expect(pick('user == "user2"').every((r) => r.username === 'user2')).toBe(true);
    expect(pick('!finding').some((r) => r.kind === 'finding')).toBe(false);
    expect(pick('dir == s2c && publish').every((r) => r.kind === 'finding' || (r.dir === 's2c' && r.summary.type === 3))).toBe(true);
  });
});
