// The side views fed from the analysis snapshot: the topics view shows the
// retained value, and `(cleared)` after an empty retained publish.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { clientsTable, findingsTable, flowsTable, topicsTable } from '../../src/views/tui/side-views.js';
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

// mosquitto_pub and mosquitto_sub send an empty client id: the packet list shows such a
// client by its port (`:40000`); the side views name it the same way, in the table and in
// the details (they showed `?`, a blank, and `client id null`).
describe('side views name a client with an empty client id by its port', () => {
  const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
  const conn = (port: number) => ({
    id: `127.0.0.1:${port}-127.0.0.1:1883`, client: { host: '127.0.0.1', port }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' as const,
  });
  const run = (snapshot: boolean) => {
    const state = new TuiState(1000, true);
    const emit = (r: OutputRecord): void => { if (r.kind === 'packet') state.addPacket(r); else state.addFinding(r); };
    const analyzer = new Analyzer(emit);
    const engine = new Engine({ onRecord: emit, observers: [analyzer] });
    let t = 1_700_000_000_000_000;
    const a = conn(40000);
    const b = conn(40001);
    engine.open(a, t);
    // CONNECT 3.1.1, clean session, keep-alive 60, client id "" (length 0).
    engine.data(a.id, 'c2s', hex('10 0c 00 04 4d 51 54 54 04 02 00 3c 00 00'), (t += 1000));
    engine.data(a.id, 's2c', hex('20 02 00 00'), (t += 1000));
    // PUBLISH QoS 1, topic "a/b", packet id 7, payload "x"; PUBACK 7.
    engine.data(a.id, 'c2s', hex('32 08 00 03 61 2f 62 00 07 78'), (t += 1000));
    engine.data(a.id, 's2c', hex('40 02 00 07'), (t += 1000));
    engine.open(b, t);
    // The same empty client id, refused: CONNACK 5.
    engine.data(b.id, 'c2s', hex('10 0c 00 04 4d 51 54 54 04 02 00 3c 00 00'), (t += 1000));
    engine.data(b.id, 's2c', hex('20 02 00 05'), (t += 1000));
    engine.tick((t += 10_000_000));
    return { data: snapshot ? sideDataFromSnapshot(analyzer.snapshot(), state.side) : state.side, findings: state.findings };
  };

  for (const snapshot of [true, false]) {
    it(snapshot ? 'from the analysis snapshot' : 'from the records (no snapshot)', () => {
      const { data, findings } = run(snapshot);
      const clients = clientsTable(data, 120);
      expect(clients.rows.length).toBe(2);
      expect(clients.rows[0]).toMatch(/^:40000 /);
      expect(clients.rows[1]).toMatch(/^:40001 /);
      expect(clients.detail(0, 120)[0]).toContain('client id "" (empty)');
      const flows = flowsTable(data, 120);
      const pub = flows.rows.findIndex((r) => r.includes('publish-qos1'));
      expect(flows.rows[pub]).toMatch(/^:40000 /);
      expect(flows.detail(pub, 120)[0]).toContain('(client :40000)');
      const f = findingsTable(findings, 120);
      const refused = findings.findIndex((x) => x.code === 'connect-refused');
      expect(refused).toBeGreaterThanOrEqual(0);
      expect(f.rows[refused]).toMatch(/^error\s+connect-refused\s+:40001 /);
      expect(f.detail(refused, 120)[0]).toContain('client :40001 ');
    });
  }

  it('an IPv6 client is named by its port too', async () => {
    const { clientLabel } = await import('../../src/views/tui/side-views.js');
    expect(clientLabel('', '[::1]:5000-[::1]:1883')).toBe(':5000');
    expect(clientLabel(null, '10.0.0.7:61000-10.0.0.1:1883')).toBe(':61000');
    expect(clientLabel('lamp', '10.0.0.7:61000-10.0.0.1:1883')).toBe('lamp');
  });
});
