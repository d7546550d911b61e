// A one-way capture of a connection that closed: one side's FIN is captured, the other's is
// known only from the captured side's ACK of it, decided at the end of the capture (the last
// sequence number acknowledged, by a segment without payload, is that FIN: see
// TcpDirection.flush). The FIN was then taken off the byte count, but the connection was still
// reported open when the capture ended ('end'), so QoS flows were "cut short when the capture
// ended". It now closes with 'fin', by the side whose FIN came first, as in the whole capture.
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { ACK, CLIENT, CONNACK, FIN, PSH, RecordingEngine, SERVER, SYN, connectPacket, pcapFile, tcpFrame, type Rec } from './builders.js';

const DISCONNECT = Buffer.from([0xe0, 0x00]);
const PINGREQ = Buffer.from([0xc0, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);
/** QoS 1 PUBLISH, topic "t", packet id 5, payload "hi". */
const PUBLISH1 = Buffer.from([0x32, 0x07, 0x00, 0x01, 0x74, 0x00, 0x05, 0x68, 0x69]);
type Send = (flags: number, p?: Buffer) => void;

/** Handshake, CONNECT/CONNACK, PINGREQ/PINGRESP, then `end`; the whole session and each side alone. */
function session(end: (c: Send, s: Send) => void) {
  const recs: (Rec & { fromClient: boolean })[] = [];
  let t = 1_700_000_000_000_000;
  let cs = 1000;
  let ss = 5000;
  const c: Send = (flags, p) => {
    recs.push({ fromClient: true, timeUs: (t += 1000), data: tcpFrame(CLIENT, SERVER, { seq: cs, ack: ss, flags, payload: p }) });
    cs += (p?.length ?? 0) + (flags & (SYN | FIN) ? 1 : 0);
  };
  const s: Send = (flags, p) => {
    recs.push({ fromClient: false, timeUs: (t += 1000), data: tcpFrame(SERVER, CLIENT, { seq: ss, ack: cs, flags, payload: p }) });
    ss += (p?.length ?? 0) + (flags & (SYN | FIN) ? 1 : 0);
  };
  c(SYN); // client SYN
  s(SYN | ACK); // broker SYN-ACK
  c(ACK); // client ACK
  c(ACK | PSH, connectPacket('ow')); // CONNECT
  s(ACK | PSH, CONNACK); // CONNACK
  c(ACK | PSH, PINGREQ); // PINGREQ
  s(ACK | PSH, PINGRESP); // PINGRESP
  end(c, s);
  return { whole: pcapFile(recs), clientOnly: pcapFile(recs.filter((r) => r.fromClient)), brokerOnly: pcapFile(recs.filter((r) => !r.fromClient)) };
}

function closes(pcap: Buffer) {
  const engine = new RecordingEngine();
  const res = readCaptureBuffer(pcap, { engine });
  const note = res.notes.find((n) => n.code === 'tcp-direction-not-captured');
  return { close: engine.of('close').map((e) => ({ how: e.how, by: (e as { by?: string }).by })), sent: note ? Number(/ sent (\d+) byte\(s\)/.exec(note.text)?.[1]) : 0 };
}

const closings: Record<string, (c: Send, s: Send) => void> = {
  'the client closes (DISCONNECT, FIN), the broker FIN answers it': (c, s) => {
    c(ACK | PSH, DISCONNECT); // DISCONNECT
    c(FIN | ACK); // client FIN
    s(FIN | ACK); // broker FIN, acknowledging both
    c(ACK); // client ACK of it
  },
  'the broker closes first, the client acknowledges it, then closes': (c, s) => {
    c(ACK); // client ACK of the PINGRESP
    s(FIN | ACK); // broker FIN (a keep-alive timeout, say)
    c(ACK); // client ACK of the broker FIN
    c(FIN | ACK); // client FIN
    s(ACK); // broker ACK of it
  },
  'the broker closes first, the client FIN acknowledges it': (c, s) => {
    c(ACK); // client ACK of the PINGRESP
    s(FIN | ACK); // broker FIN
    c(FIN | ACK); // client FIN, acknowledging it
    s(ACK); // broker ACK of it
  },
};

describe('a one-way capture of a closed connection', () => {
  for (const [name, end] of Object.entries(closings)) {
    it(`${name}: closed by FIN, by the same side as in the whole capture, from either side alone`, () => {
      const x = session(end);
      const whole = closes(x.whole);
      expect(whole.close).toHaveLength(1);
      expect(whole.close[0]!.how).toBe('fin');
      // Only the client side captured, then only the broker side.
      const client = closes(x.clientOnly);
      expect(client.close).toEqual(whole.close);
      expect(client.sent).toBe(CONNACK.length + PINGRESP.length); // the broker FIN is no byte
      expect(closes(x.brokerOnly).close).toEqual(whole.close);
    });
  }

  it('a QoS 1 flow left open is said to end with the connection, not the capture', () => {
    const x = session((c, s) => {
      s(ACK | PSH, PUBLISH1); // broker PUBLISH QoS 1 to the client
      c(ACK | PSH, Buffer.from([0x40, 0x02, 0x00, 0x05])); // client PUBACK (not in the broker-only capture)
      c(ACK | PSH, DISCONNECT); // DISCONNECT
      c(FIN | ACK); // client FIN
      s(FIN | ACK); // broker FIN
      c(ACK); // client ACK
    });
    const recs: OutputRecord[] = [];
    const analyzer = new Analyzer((f) => recs.push(f));
    readCaptureBuffer(x.brokerOnly, { engine: new Engine({ onRecord: (r) => recs.push(r), observers: [analyzer] }) });
    const flow = recs.find((r) => r.kind === 'finding' && r.code === 'qos-flow-incomplete');
    expect(flow?.kind === 'finding' ? flow.text : '').toContain('when the connection closed');
  });

  it('dropped to make room for another connection, it is still closed by FIN, with no idle note', () => {
    const x = session(closings['the client closes (DISCONNECT, FIN), the broker FIN answers it']!);
    // A second connection from another client port comes after it (maxConnections 1).
    const other = pcapFile([{ timeUs: 1_700_000_100_000_000, data: tcpFrame({ host: '10.0.0.3', port: 50001 }, SERVER, { seq: 1, ack: 0, flags: SYN }) }]);
    const both = Buffer.concat([x.brokerOnly, other.subarray(24)]);
    const engine = new RecordingEngine();
    const res = readCaptureBuffer(both, { engine, maxConnections: 1 });
    expect(engine.of('close').map((e) => [e.how, (e as { by?: string }).by])).toEqual([['fin', 'c2s']]);
    expect(res.notes.map((n) => n.code)).not.toContain('connection-idle');
  });

  it('only the client FIN, the broker never closes: still open when the capture ends (no close before the end)', () => {
    const x = session((c, s) => {
      c(ACK | PSH, DISCONNECT); // DISCONNECT
      c(FIN | ACK); // client FIN
      s(ACK); // broker ACK of both, no broker FIN
    });
    for (const p of [x.whole, x.clientOnly, x.brokerOnly]) expect(closes(p).close).toEqual([]);
  });
});
