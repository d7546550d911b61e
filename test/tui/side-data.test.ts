// The side views fed from the analysis snapshot: the topics view shows the
// retained value, and `(cleared)` after an empty retained publish.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { topicsTable } from '../../src/views/tui/side-views.js';
import { sideDataFromSnapshot } from '../../src/views/tui/snapshot-adapter.js';
import { TuiState } from '../../src/views/tui/state.js';
import { ROOT } from './build.js';

describe('topics view from the analysis snapshot', () => {
  it('shows (cleared) for a retained message removed by an empty retained publish', () => {
    const state = new TuiState(1000, false);
    const emit = (r: OutputRecord): void => { if (r.kind === 'packet') state.addPacket(r); else state.addFinding(r); };
    const analyzer = new Analyzer(emit);
    const engine = new Engine({ onRecord: emit, observers: [analyzer] });
    readCaptureBuffer(readFileSync(join(ROOT, 'captures/retained-ns.pcap')), { engine });
    const t = topicsTable(sideDataFromSnapshot(analyzer.snapshot(), state.side), 100);
    const text = t.rows.join('\n');
    expect(text).toContain('retained: (cleared)');
    const i = t.rows.findIndex((r) => r.includes('retained: (cleared)'));
    expect(t.detail(i, 100).join('\n')).toContain('(cleared by an empty retained publish)');
  });
});
