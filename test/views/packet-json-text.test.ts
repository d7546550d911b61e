// packetJsonText writes the common packet record's JSON directly (the json view's hot
// path). It must be exactly jsonLine(packetToJson(...)): checked on every packet
// of every capture in the repository, and on random PUBLISHes with hostile strings.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { readCaptureFile } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { encodeVarint } from '../../src/protocol/varint.js';
import { jsonLine } from '../../src/views/json.js';
import { packetJsonText, packetToJson } from '../../src/views/packet-json.js';

const ROOT = resolve(import.meta.dirname, '../..');

function captures(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return captures(p);
    return /\.(pcap|pcapng)(\.gz)?$/.test(n) ? [p] : [];
  });
}

/** Every record that has a direct text must equal the object's JSON, with and without secrets. */
function check(recs: PacketRecord[]): number {
  let direct = 0;
  for (const r of recs) {
    for (const showSecrets of [false, true]) {
      const text = packetJsonText(r, { showSecrets });
      if (text === null) continue;
      direct++;
      expect(text).toBe(jsonLine(packetToJson(r, { showSecrets })));
    }
    // With the flat fields asked for, the object is always used.
    expect(packetJsonText(r, { fields: true })).toBeNull();
  }
  return direct;
}

describe('packetJsonText', () => {
  it('equals the JSON of packetToJson for every packet of every capture in the repository', async () => {
    const files = [...captures(join(ROOT, 'captures')), ...captures(join(ROOT, 'test/fixtures'))];
    expect(files.length).toBeGreaterThan(50);
    let packets = 0;
    let direct = 0;
    for (const f of files) {
      const recs: PacketRecord[] = [];
      // With the analysis, so that records marked by a finding (which take the object path) occur.
      const engine = new Engine({ onRecord: (r) => { if (r.kind === 'packet') recs.push(r); }, observers: [new Analyzer(() => {})] });
      await readCaptureFile(f, { engine }).catch(() => undefined); // damaged fixtures: what was read counts
      packets += recs.length;
      direct += check(recs) / 2;
    }
    // The direct text is the common case, not a corner.
    expect(packets).toBeGreaterThan(1000);
    expect(direct / packets).toBeGreaterThan(0.4);
  });

  it('equals it for random PUBLISHes and acks: any topic, client id and user name text, QoS, flags, versions', () => {
    const str = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(fc.property(str, str, fc.option(str, { nil: null }), fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.boolean(),
      fc.constantFrom(4, 5), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 65535 }),
      (topic, clientId, username, qos, retain, dup, version, payload, id) => {
        const recs: PacketRecord[] = [];
        const engine = new Engine({ onRecord: (r) => { if (r.kind === 'packet') recs.push(r); } });
        const meta = { id: '[::1]:5000-[::1]:1883', client: { host: '::1', port: 5000 }, server: { host: '::1', port: 1883 }, transport: 'tcp' as const };
        engine.open(meta, 1_700_000_000_123_456);
        const s = (x: string): Buffer => { const b = Buffer.from(x, 'utf8'); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]); };
        const pkt = (first: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([first]), Buffer.from(encodeVarint(body.length)), body]);
        const flags = (username !== null ? 0x80 : 0) | 0x02;
        const props = version === 5 ? [Buffer.from([0])] : [];
        engine.data(meta.id, 'c2s', pkt(0x10, Buffer.concat([s('MQTT'), Buffer.from([version, flags, 0, 60]), ...props, s(clientId), ...(username !== null ? [s(username)] : [])])), 1_700_000_000_123_457);
        const first = 0x30 | (qos << 1) | (retain ? 1 : 0) | (dup && qos > 0 ? 8 : 0);
        engine.data(meta.id, 'c2s', pkt(first, Buffer.concat([s(topic), ...(qos > 0 ? [Buffer.from([id >> 8, id & 255])] : []), ...props, Buffer.from(payload)])), 1_700_000_000_999_999);
        engine.data(meta.id, 's2c', Buffer.from([0x40, 2, id >> 8, id & 255]), 1_700_000_001_000_000);
        engine.data(meta.id, 's2c', Buffer.from([0xd0, 0]), 1_700_000_001_000_001);
        check(recs);
      }), { numRuns: 500 });
  });
});
