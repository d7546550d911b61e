// The one-way fixtures (test/fixtures/capture-variants/tcp-one-way-*.pcap) read
// through the capture reader, the engine and the analyser: the side that was not
// captured is one stream-gap, and the analysis does not report what travels in it,
// one flow at a time, as missing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { readCaptureFile } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import type { Finding, OutputRecord } from '../../src/model/packet.js';
import { renderSummary, stripAnsi, SummaryCounter } from '../../src/views/index.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'capture-variants');

async function read(name: string): Promise<{ findings: Finding[]; analyzer: Analyzer }> {
  const recs: OutputRecord[] = [];
  const analyzer = new Analyzer((f) => recs.push(f));
  const engine = new Engine({ onRecord: (r) => recs.push(r), observers: [analyzer] });
  await readCaptureFile(join(DIR, name), { engine });
  return { findings: recs.filter((r): r is Finding => r.kind === 'finding'), analyzer };
}

async function findings(name: string): Promise<Finding[]> {
  return (await read(name)).findings;
}

describe('one-way captures through the analysis', () => {
  it('client→broker only (100 QoS 1 PUBLISHes, their PUBACKs not captured): one stream-gap and one info finding', async () => {
    const fs = await findings('tcp-one-way-publisher.pcap');
    expect(fs.map((f) => [f.code, f.severity])).toEqual([['stream-gap', 'warn'], ['qos-flow-incomplete', 'info']]);
    const q = fs[1]!;
    expect(q.extra).toMatchObject({
      not_in_view: true, count: 100, dirs: ['s2c'], gap_frames: [4],
      groups: [{ kind: 'publish-qos1', dir: 'c2s', awaiting: 'PUBACK', count: 100, first_packet_id: 1, last_packet_id: 100 }],
    });
    expect(q.extra['flows']).toBeUndefined();
    expect(q.text).toContain("100 flow(s) of client 'oneway-pub' had no answer in the capture when the connection closed: 100 QoS 1 PUBLISH from the client awaiting PUBACK (ids 1 to 100");
    expect(q.text).toContain('The broker→client stream is out of view: not one of its packets was decoded after its stream gap at frame 4');
  });

  it('the flow statistics count the 100 publishes as unobserved, not incomplete, and the --summary table says so', async () => {
    const { analyzer } = await read('tcp-one-way-publisher.pcap');
    const snap = analyzer.snapshot();
    expect(snap.flows.stats['publish-qos1']).toMatchObject({ count: 100, complete: 0, rejected: 0, incomplete: 0, unobserved: 100 });
    const text = stripAnsi(renderSummary(new SummaryCounter().toRecord(), { snapshot: snap }));
    expect(text).toMatch(/QoS flows\n {2}flow +count +complete +rejected +incomplete +unobserved +avg +max\n {2}publish-qos1 +100 +0 +0 +0 +100 +- +-\n/);
  });

  it('broker→client only (a subscriber): one stream-gap; the SUBACK whose SUBSCRIBE is not captured is info and says why', async () => {
    const fs = await findings('tcp-one-way-subscriber.pcap');
    expect(fs.map((f) => [f.code, f.severity])).toEqual([['stream-gap', 'warn'], ['protocol-violation', 'info']]);
    expect(fs[1]!.text).toBe('SUBACK for packet id 1, which has no matching flow in flight on this connection (not one client→broker packet is in the capture: a stream gap at frame 2 and nothing decoded after it, so its flow was not seen)');
  });

  it('MQTT 5 QoS 2 without the broker\'s frames: the client\'s PUBREL is no unknown ack; the flow awaits PUBCOMP, out of view', async () => {
    const fs = await findings('tcp-one-way.pcap');
    expect(fs.map((f) => [f.code, f.severity])).toEqual([['stream-gap', 'warn'], ['qos-flow-incomplete', 'info']]);
    expect(fs[1]!.extra).toMatchObject({ not_in_view: true, count: 1, groups: [{ kind: 'publish-qos2', state: 'awaiting-pubcomp', awaiting: 'PUBCOMP' }] });
  });
});
