// The clients view named the protocol by its level byte: MQTT 3.1.1 showed as `4`,
// which students read as "MQTT 4". It now shows 3.1.1 / 5.0, and the details of an
// MQTT 5 client say "clean start", the flag's name in MQTT 5.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { clientsTable } from '../../src/views/tui/side-views.js';
import { sideDataFromSnapshot } from '../../src/views/tui/snapshot-adapter.js';
import { TuiState } from '../../src/views/tui/state.js';
import { ROOT } from './build.js';

function clientsOf(capture: string) {
  const state = new TuiState(1000, false);
  const emit = (r: OutputRecord): void => { if (r.kind === 'packet') state.addPacket(r); else state.addFinding(r); };
  const analyzer = new Analyzer(emit);
  const engine = new Engine({ onRecord: emit, observers: [analyzer] });
  readCaptureBuffer(readFileSync(join(ROOT, capture)), { engine });
  return [clientsTable(sideDataFromSnapshot(analyzer.snapshot(), state.side), 120), clientsTable(state.side, 120)];
}

describe('clients view protocol version', () => {
  it('shows MQTT 5.0 and clean start for an MQTT 5 client', () => {
    for (const t of clientsOf('captures/mqtt5-properties.pcap')) {
      expect(t.header).toMatch(/ MQTT  /);
      const i = t.rows.findIndex((r) => r.startsWith('v5-pub'));
      expect(t.rows[i]).toMatch(/^v5-pub\s+5\.0\s/);
      const d = t.detail(i, 120).join('\n');
      expect(d).toContain('MQTT 5.0 (protocol level 5)');
      expect(d).toContain('clean start true');
    }
  });

  it('shows 3.1.1 (not 4) and clean session for an MQTT 3.1.1 client', () => {
    for (const t of clientsOf('captures/will.pcap')) {
      expect(t.rows[0]).toMatch(/^\S+\s+3\.1\.1\s/);
      const d = t.detail(0, 120).join('\n');
      expect(d).toContain('MQTT 3.1.1 (protocol level 4)');
      expect(d).toMatch(/clean session (true|false)/);
    }
  });
});
