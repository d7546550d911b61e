// The TUI's side model stays bounded under floods: flows that are never acked
// (their connection closed first), SUBSCRIBEs never answered, and a client's
// subscriptions.
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/dissect/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta } from '../../src/model/types.js';
import { SideModel } from '../../src/views/tui/side-model.js';

const meta = (port: number): ConnMeta => ({ id: `127.0.0.1:${port}-127.0.0.1:1883`, client: { host: '127.0.0.1', port }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' });

function rec(packet: object, conn: ConnMeta, frame: number): PacketRecord {
  const bytes = new Uint8Array(mqttPacket.generate(packet as mqttPacket.Packet));
  const summary = summarize(bytes, { version: 4 });
  return {
    kind: 'packet', seq: frame, frame, time: frame, conn, dir: 'c2s', clientId: 'c', username: null, version: 4,
    versionInferred: false, bytes, size: bytes.length, summary, topic: summary.topic, notes: [], findings: [],
    tree: () => { throw new Error('unused'); },
  };
}

describe('TUI side model bounds', () => {
  it('forgets the oldest unanswered flows and SUBSCRIBEs of connections that went away', () => {
    const m = new SideModel();
    let frame = 0;
    for (let c = 0; c < 500; c++) {
      const conn = meta(30000 + c);
      for (let id = 1; id <= 100; id++) {
        m.add(rec({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: id }, conn, ++frame));
        // Packet ids are shared by PUBLISH and SUBSCRIBE in flight: another range.
        m.add(rec({ cmd: 'subscribe', messageId: 1000 + id, subscriptions: [{ topic: `f/${id}`, qos: 0 }] }, conn, ++frame));
      }
    }
    // 50,000 QoS 1 publishes and 50,000 SUBSCRIBEs, none answered.
    expect(Reflect.get(m, 'open').size).toBeLessThanOrEqual(20_000);
    expect(Reflect.get(m, 'pendingSubs').size).toBeLessThanOrEqual(20_000);
    expect(m.flows.length).toBe(5_000);
    // The newest flows are still followed: an ack completes its row.
    const last = meta(30499);
    m.add({ ...rec({ cmd: 'puback', messageId: 100 }, last, ++frame), dir: 's2c' });
    const row = m.flows.find((f) => f.conn === last.id && f.packetId === 100 && f.kind === 'publish-qos1');
    expect(row?.state).toBe('complete');
  });

  it('lists at most 1,000 subscriptions per client', () => {
    const m = new SideModel();
    const conn = meta(31000);
    let frame = 0;
    for (let id = 1; id <= 1500; id++) {
      m.add(rec({ cmd: 'subscribe', messageId: id, subscriptions: [{ topic: `f/${id}`, qos: 0 }] }, conn, ++frame));
      m.add({ ...rec({ cmd: 'suback', messageId: id, granted: [0] }, conn, ++frame), dir: 's2c' });
    }
    expect(m.clients[0]!.subscriptions).toHaveLength(1000);
  });
});
