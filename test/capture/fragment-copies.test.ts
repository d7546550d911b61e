// IP fragments captured twice (a span port that duplicates every frame, or the same
// traffic on two interfaces): a copy that arrives after its datagram was reassembled is
// a duplicate, as tshark 4.0 marks it, not the first fragment of a new datagram that
// never completes (which made `read` print a missing-fragments warning and exit 1).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ethernetFrame, MAC_CLIENT, MAC_SERVER } from '../../src/capture/frame-builder.js';
import { IpDecoder } from '../../src/capture/ip-tcp.js';
import { mqttscope, readJsonRecords, tshark } from '../read/run.js';
import { CONNACK, CLIENT, SERVER, connectPacket, conversation, fragmentIPv4, ipOnly, pcapFile, publishPacket, ACK, PSH, type Rec } from './builders.js';
import { tempDir } from '../helpers/tmp.js';

/** The conversation with its 4th data frame (a 305-byte PUBLISH) cut into 4 fragments, each captured twice in a row. */
function duplicatedFragments(): Buffer {
  const chunks = [
    { dir: 'c2s' as const, bytes: connectPacket('fr') },
    { dir: 's2c' as const, bytes: CONNACK },
    { dir: 'c2s' as const, bytes: publishPacket('a/b', Buffer.alloc(300, 0x41)) },
  ];
  const ips: Buffer[] = [];
  const recs = conversation(chunks, { wrap: (ip) => (ips.push(ip), ip) });
  const out: Rec[] = [];
  recs.forEach((r, i) => {
    const frags = i === 5 ? fragmentIPv4(ips[i]!, 96) : [ips[i]!];
    frags.flatMap((f) => [f, f]).forEach((f, k) => out.push({ timeUs: r.timeUs + k, data: ethernetFrame(MAC_SERVER, MAC_CLIENT, 0x0800, f) }));
  });
  return pcapFile(out);
}

describe('IP fragments captured twice', () => {
  it('read: the same packets at the same frames as tshark, and no missing-fragments warning', () => {
    const file = join(tempDir('mqttscope-frag-copies-'), 'dup.pcap');
    writeFileSync(file, duplicatedFragments());
    const ts = tshark(['-r', file, '-Y', 'mqtt', '-T', 'fields', '-e', 'frame.number', '-e', 'mqtt.msgtype']);
    expect(ts.code).toBe(0);
    const theirs = ts.stdout.trim().split('\n').map((l) => l.split('\t').map(Number));
    // Frames 7-8, 9-10, 11-12: handshake and CONNECT/CONNACK twice each; the PUBLISH completes at the first copy of its last fragment.
    expect(theirs).toEqual([[7, 1], [9, 2], [17, 3]]);
    const ours = readJsonRecords(file).filter((r) => r.kind === 'packet').map((r) => [r.frame, r.type]);
    expect(ours).toEqual([[7, 'CONNECT'], [9, 'CONNACK'], [17, 'PUBLISH']]);
    const r = mqttscope(['read', file]);
    expect(r.stderr).not.toMatch(/missing fragments/);
    expect(r.code).toBe(0);
  });

  it('an IP id used again for a different datagram still starts a new set', () => {
    const d = new IpDecoder();
    const pkt = (payload: string) => ipOnly(CLIENT, SERVER, { seq: 1, ack: 1, flags: ACK | PSH, payload: Buffer.from(payload.repeat(40)) });
    const [a0, a1] = fragmentIPv4(pkt('x'), 32);
    const [b0, b1] = fragmentIPv4(pkt('y'), 32);
    expect(d.decode(4, a0!, 0, 1, 0, false).kind).toBe('none');
    expect(d.decode(4, a1!, 0, 2, 1, false).kind).toBe('tcp');
    // A copy of the first fragment: dropped.
    expect(d.decode(4, a0!, 0, 3, 2, false).kind).toBe('none');
    // Same id, other bytes: a new datagram, reassembled from its own fragments.
    expect(d.decode(4, b0!, 0, 4, 3, false).kind).toBe('none');
    const r = d.decode(4, b1!, 0, 5, 4, false);
    expect(r.kind === 'tcp' && r.seg.payload.toString()).toBe('y'.repeat(40));
    d.finish();
    expect(d.pendingNotes).toEqual([]);
  });
});
