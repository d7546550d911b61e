// MQTT 5: a client that connects with an empty client id is given one by the broker
// (CONNACK Assigned Client Identifier). The CONNACK and later rows name the client by
// that id; the CONNECT row showed the client port, so one connection read as two clients.
import blessed from 'blessed';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { Engine } from '../../src/engine/engine.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { packetRow } from '../../src/views/tui/packet-row.js';
import type { SideData } from '../../src/views/tui/side-model.js';
import { clientsTable } from '../../src/views/tui/side-views.js';
import { sideDataFromSnapshot } from '../../src/views/tui/snapshot-adapter.js';
import { TuiState } from '../../src/views/tui/state.js';
import { conn, T0 } from '../filter/records.js';

const g = (p: object): Buffer => mqttPacket.generate(p as never, { protocolVersion: 5 });
const connect = g({ cmd: 'connect', clientId: '', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 60 });

let analyzer = new Analyzer(() => {});

function run(connack: object): PacketRecord[] {
  const recs: PacketRecord[] = [];
  analyzer = new Analyzer(() => {});
  const engine = new Engine({ onRecord: (r) => { if (r.kind === 'packet') recs.push(r); }, observers: [analyzer] });
  const c = conn(41234);
  engine.open(c, T0);
  engine.data(c.id, 'c2s', connect, T0);
  engine.data(c.id, 'c2s', g({ cmd: 'pingreq' }), T0 + 1); // sent before the CONNACK, as a client may
  engine.data(c.id, 's2c', g(connack), T0 + 2);
  engine.data(c.id, 'c2s', g({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0 }), T0 + 3);
  engine.end(T0 + 4);
  return recs;
}

function clients(recs: PacketRecord[]): string[] {
  const st = new TuiState(100, false);
  for (const r of recs) st.addPacket(r);
  return recs.map((r) => blessed.stripTags(packetRow(r, { width: 80, baseTime: T0, selected: false, clientId: st.clientOf(r) })).split(/\s+/)[3]!);
}

describe('packet list: a client id the broker assigned', () => {
  it('names every row of the connection by the assigned id, the CONNECT too', () => {
    const recs = run({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { assignedClientIdentifier: 'auto-6F78' } });
    expect(recs.map((r) => r.summary.type)).toEqual([1, 12, 2, 3]);
    expect(clients(recs)).toEqual(['auto-6F78', 'auto-6F78', 'auto-6F78', 'auto-6F78']);
  });

  it('keeps the client port when the broker assigns no id', () => {
    const recs = run({ cmd: 'connack', reasonCode: 0x85, sessionPresent: false });
    expect(clients(recs)).toEqual([':41234', ':41234', ':41234', ':41234']);
  });
});

describe('clients view: a client id the broker assigned', () => {
  const details = (d: SideData): string => clientsTable(d, 200).detail(0, 200).join('\n');

  it('says the id was assigned, from the records and from the analysis', () => {
    const recs = run({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { assignedClientIdentifier: 'auto-6F78' } });
    const st = new TuiState(100, false);
    for (const r of recs) st.addPacket(r);
    const want = 'client id "auto-6F78" (assigned by the broker: the CONNECT sent "")';
    expect(details(st.side)).toContain(want);
    expect(details(sideDataFromSnapshot(analyzer.snapshot(), st.side))).toContain(want);
  });

  it('says nothing of the kind for an id the client chose', () => {
    const recs = run({ cmd: 'connack', reasonCode: 0x85, sessionPresent: false });
    const st = new TuiState(100, false);
    for (const r of recs) st.addPacket(r);
    expect(details(st.side)).not.toContain('assigned');
  });
});
