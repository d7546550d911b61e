// `read` of a capture with a SUBSCRIBE of 200,000 topic filters and its SUBACK:
// the json record (with --fields), the line view and the tree view stay small,
// and say that the lists are capped (list-cap.test.ts covers the dissector).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectPacket, conversation, pcapFile, varint } from '../capture/builders.js';
import { mqttscope } from '../read/run.js';
import { tempDir } from '../helpers/tmp.js';

const N = 200_000;

/** Fixed header byte, Remaining Length, body. */
function packet(b0: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([b0]), varint(body.length), body]);
}

function capture(): string {
  const dir = tempDir('mqttscope-listcap-');
  // SUBSCRIBE packet id 1; N × 00 01 61 01 (filter "a", QoS 1). SUBACK packet id 1; N × 01 (granted QoS 1).
  const sub = packet(0x82, Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(N * 4, Buffer.from([0x00, 0x01, 0x61, 0x01]))]));
  const ack = packet(0x90, Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(N, 0x01)]));
  const chunks = [{ dir: 'c2s' as const, bytes: connectPacket('c1', 4) }, { dir: 's2c' as const, bytes: Buffer.from([0x20, 0x02, 0x00, 0x00]) }];
  for (let i = 0; i < sub.length; i += 60_000) chunks.push({ dir: 'c2s', bytes: sub.subarray(i, i + 60_000) });
  for (let i = 0; i < ack.length; i += 60_000) chunks.push({ dir: 's2c', bytes: ack.subarray(i, i + 60_000) });
  const f = join(dir, 'big-subscribe.pcap');
  writeFileSync(f, pcapFile(conversation(chunks)));
  return f;
}

describe('read on a capture with a 200,000-filter SUBSCRIBE and its SUBACK', () => {
  const file = capture();

  it('--format json --fields: the records keep 10,000 entries, 1,000 itemised, and the summing notes', () => {
    const r = mqttscope(['read', file, '--format', 'json', '--fields']);
    expect(r.stderr).toBe('');
    expect(r.code === 0 || r.code === 1).toBe(true);
    const lines = r.stdout.split('\n').filter(Boolean);
    const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const sub = recs.find((x) => x['type'] === 'SUBSCRIBE')!;
    const ack = recs.find((x) => x['type'] === 'SUBACK')!;
    expect(sub['subscriptions']).toHaveLength(10_000);
    expect(ack['reason_codes']).toHaveLength(10_000);
    expect((sub['notes'] as { code: string }[]).map((n) => n.code)).toEqual(['filters-not-itemised']);
    expect((ack['notes'] as { code: string }[]).map((n) => n.code)).toEqual(['reason-codes-not-itemised']);
    const subFields = sub['fields'] as { id: string; value: unknown }[];
    expect(subFields.filter((f) => f.id === 'mqtt.subscription')).toHaveLength(1000);
    expect(subFields.find((f) => f.id === 'mqtt.topic_filters.not_itemised')!.value).toBe(N - 1000);
    expect((ack['fields'] as { id: string }[]).filter((f) => f.id === 'mqtt.suback.qos')).toHaveLength(1000);
    for (const l of lines) expect(l.length).toBeLessThan(3_000_000);
  });

  it('the line and tree views print the packets, each in bounded output', () => {
    const line = mqttscope(['read', file]);
    expect(line.stderr).toBe('');
    expect(line.stdout).toMatch(/SUBSCRIBE/);
    expect(line.stdout).toMatch(/SUBACK/);
    expect(line.stdout.length).toBeLessThan(2_000_000);
    const tree = mqttscope(['read', file, '--format', 'tree']);
    expect(tree.stderr).toBe('');
    expect(tree.stdout).toContain('199000 more topic filters');
    expect(tree.stdout).toContain('199000 more return codes');
    expect(tree.stdout.length).toBeLessThan(5_000_000);
  });
});
