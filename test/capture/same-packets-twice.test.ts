// The same connection captured on two interfaces at once, as `dumpcap -i lo -i any`
// writes it: every packet of the conversation on interface 0 (Ethernet), then every
// packet again on interface 1 (Linux cooked SLL). The second copies repeat the
// connection's SYN and sequence numbers after its close: tshark marks them
// "TCP Retransmission" and shows one connection. mqttscope opened a second
// connection ("port reuse") and decoded every packet twice.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import {
  CLIENT, CONNACK, PcapngBuilder, RecordingEngine, SERVER, conversation, connectPacket, publishPacket, sll,
} from './builders.js';

const ETH_HDR = 14;

function twoInterfaceCapture(): Buffer {
  const recs = conversation([
    { dir: 'c2s', bytes: connectPacket('twice') },
    { dir: 's2c', bytes: CONNACK },
    { dir: 'c2s', bytes: publishPacket('a/b', Buffer.from('hi')) },
  ]);
  const b = new PcapngBuilder().section().iface(1).iface(113);
  for (const r of recs) b.epb(0, BigInt(r.timeUs), r.data);
  // The same IP packets on the "any" interface, stamped a few µs earlier (dumpcap's order).
  for (const r of recs) b.epb(1, BigInt(r.timeUs - 5), sll(r.data.subarray(ETH_HDR)));
  return b.build();
}

describe('one connection captured on two interfaces', () => {
  it('the copies on the second interface are retransmissions: one connection, each packet once', () => {
    const engine = new RecordingEngine();
    const r = readCaptureBuffer(twoInterfaceCapture(), { engine });
    expect(r.frames).toBe(18);
    expect(engine.opens().map((o) => o.meta.id)).toEqual([`${CLIENT.host}:${CLIENT.port}-${SERVER.host}:${SERVER.port}`]);
    expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('twice'), publishPacket('a/b', Buffer.from('hi'))]));
    expect(engine.stream('s2c')).toEqual(CONNACK);
    expect(r.notes.map((n) => n.code)).toEqual([]);
  });

  /** Conversation 'one', closed, then conversation 'two' on the same ports (`second` options): both must be decoded, each once. */
  function expectTwoConnections(second: Parameters<typeof conversation>[1]): void {
    const first = conversation([{ dir: 'c2s', bytes: connectPacket('one') }]);
    const next = conversation([{ dir: 'c2s', bytes: connectPacket('two') }], second ?? { t0: first.at(-1)!.timeUs + 10 });
    const b = new PcapngBuilder().section().iface(1);
    for (const r of [...first, ...next]) b.epb(0, BigInt(r.timeUs), r.data);
    const engine = new RecordingEngine();
    readCaptureBuffer(b.build(), { engine });
    expect(engine.opens()).toHaveLength(2);
    expect(engine.stream('c2s')).toEqual(Buffer.concat([connectPacket('one'), connectPacket('two')]));
  }

  it('the same sequence numbers in a SYN stamped after the close are a new connection (as crafted captures have them)', () => {
    expectTwoConnections(undefined); // same ISNs, 10 µs after the first one's last packet
  });

  it('a SYN with a new sequence number on the same ports after the close is still a new connection', () => {
    expectTwoConnections({ t0: 1_700_000_001_000_000, isn: { client: 8777, server: 12777 } });
  });
});
