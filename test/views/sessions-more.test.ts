// A session with more subscriptions than the analysis snapshot lists (100, docs/analysis.md):
// the summary's Sessions table and the TUI's clients view say how many more there are.
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { ConnMeta } from '../../src/model/types.js';
import { renderSummary, SummaryCounter } from '../../src/views/index.js';
import { sideDataFromSnapshot } from '../../src/views/tui/snapshot-adapter.js';
import { concat, connack, connect, packet, T0 } from '../soak/wire.js';

/** A 3.1.1 SUBSCRIBE (id 1) of `n` filters at QoS 0, and its SUBACK granting them all. */
function subscribeAll(n: number): { sub: Uint8Array; ack: Uint8Array } {
  const body: number[] = [0, 1]; // Packet Identifier 1
  for (let i = 0; i < n; i++) {
    const f = Buffer.from(`s/${i}`);
    body.push(0, f.length, ...f, 0); // filter length, filter, Requested QoS 0
  }
  return { sub: packet(0x82, body), ack: packet(0x90, [0, 1, ...Array(n).fill(0)]) };
}

describe('sessions with more subscriptions than listed', () => {
  it('the summary and the TUI clients view count the unlisted ones', () => {
    const meta: ConnMeta = { id: '127.0.0.1:5000-127.0.0.1:1883', client: { host: '127.0.0.1', port: 5000 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' };
    const analyzer = new Analyzer(() => {});
    const counter = new SummaryCounter();
    const engine = new Engine({ onRecord: (r) => counter.record(r), observers: [analyzer] });
    engine.open(meta, T0);
    const { sub, ack } = subscribeAll(150);
    engine.data(meta.id, 'c2s', concat([connect('many')]), T0 + 1);
    engine.data(meta.id, 's2c', connack(), T0 + 2);
    engine.data(meta.id, 'c2s', sub, T0 + 3);
    engine.data(meta.id, 's2c', ack, T0 + 4);
    const snap = analyzer.snapshot();
    const side = sideDataFromSnapshot(snap);
    expect(side.clients[0]!.subscriptions.at(-1)).toBe('… +50 more');
    expect(side.clients[0]!.subscriptions).toHaveLength(101);
    const text = renderSummary(counter.toRecord(), { snapshot: snap, width: 200 } as Parameters<typeof renderSummary>[1]);
    expect(text).toMatch(/s\/0 q0, s\/1 q0.*\(\+50 more\)/);
  });
});
