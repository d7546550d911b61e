// A `finding` filter in the TUI: packets a finding names later join the
// filtered list, in capture order, once the finding arrives.
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/dissect/index.js';
import { compileFilter } from '../../src/filter/index.js';
import { markFinding, type Finding, type PacketRecord } from '../../src/model/packet.js';
import { TuiState } from '../../src/views/tui/state.js';

const SEED = Buffer.from('3014000b526f6f6d312f4c696768745475726e204f6e', 'hex');
const conn = { id: 'c1', client: { host: '127.0.0.1', port: 5 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' as const };

function rec(frame: number): PacketRecord {
  const summary = summarize(SEED, { version: 4 });
  return {
    kind: 'packet', seq: frame, frame, time: frame, conn, dir: 'c2s', clientId: 'p1', username: null, version: 4,
    versionInferred: false, bytes: SEED, size: SEED.length, summary, topic: summary.topic, notes: [], findings: [],
    tree: () => { throw new Error('unused'); },
  };
}

function finding(frames: number[], connId = 'c1'): Finding {
  return { kind: 'finding', code: 'publish-rejected', severity: 'warn', time: 0, conn: connId, clientId: 'p1', username: null, frames, topic: null, text: 't', extra: {} };
}

describe('TuiState with a finding filter', () => {
  it('adds packets named by a later finding, in order, once each', () => {
    const s = new TuiState(100, true);
    const recs = Array.from({ length: 6 }, (_, i) => rec(i + 1));
    s.setFilter('finding', compileFilter('finding'));
    for (const r of recs) s.addPacket(r);
    expect(s.count()).toBe(0);
    markFinding(recs[3]!, 'publish-rejected');
    s.addFinding(finding([4]));
    markFinding(recs[1]!, 'publish-rejected');
    markFinding(recs[4]!, 'publish-rejected');
    s.addFinding(finding([2, 5]));
    expect(s.shownRecords().map((r) => r.frame)).toEqual([2, 4, 5]);
    // the same frames again, and a finding on another connection, add nothing
    s.addFinding(finding([2, 5]));
    s.addFinding(finding([3], 'c2'));
    expect(s.shownRecords().map((r) => r.frame)).toEqual([2, 4, 5]);
    // the count matches a fresh application of the filter
    s.addPacket(rec(7));
    const fresh = new TuiState(100, true);
    for (const r of [...recs, rec(7)]) fresh.addPacket(r);
    fresh.setFilter('finding', compileFilter('finding'));
    expect(s.count()).toBe(fresh.count());
  });

  it('keeps the selected packet selected and the paused range frozen', () => {
    const s = new TuiState(100, false);
    const recs = Array.from({ length: 5 }, (_, i) => rec(i + 1));
    markFinding(recs[3]!, 'publish-rejected');
    for (const r of recs) s.addPacket(r);
    s.setFilter('finding', compileFilter('finding'));
    expect(s.selected()?.frame).toBe(4);
    markFinding(recs[0]!, 'publish-rejected');
    s.addFinding(finding([1]));
    expect(s.selected()?.frame).toBe(4);
    expect(s.shownRecords().map((r) => r.frame)).toEqual([1, 4]);
  });
});
