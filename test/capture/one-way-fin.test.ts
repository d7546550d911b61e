// A one-way capture (only the broker's frames) where the broker's ACK that covers the
// client's last bytes also covers the client's FIN: the FIN takes a sequence number but is
// no byte, so it is not counted as data the client sent. Each session is built whole, tshark
// reads the whole file (the oracle: the client's tcp.len total), and mqttscope reads the same
// session with the client's frames removed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { requireBinary } from '../helpers/peers.js';
import { ACK, CLIENT, CONNACK, FIN, PSH, RecordingEngine, RST, SERVER, SYN, connectPacket, pcapFile, tcpFrame, type Rec } from './builders.js';

const dir = mkdtempSync(join(tmpdir(), 'mqttscope-one-way-fin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DISCONNECT = Buffer.from([0xe0, 0x00]);
const PINGREQ = Buffer.from([0xc0, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

/** Bytes of TCP payload tshark sees the client send in the whole session, and the client FIN sequence number. */
function tsharkClient(pcap: Buffer, name: string): { bytes: number; finSeq: number } {
  const file = join(dir, `${name}.pcap`);
  writeFileSync(file, pcap);
  const out = execFileSync(requireBinary('tshark'), ['-r', file, '-o', 'tcp.relative_sequence_numbers:FALSE', '-Y', `tcp.srcport==${CLIENT.port}`,
    '-T', 'fields', '-E', 'separator=|', '-e', 'tcp.len', '-e', 'tcp.seq', '-e', 'tcp.flags.fin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let bytes = 0;
  let finSeq = -1;
  for (const l of out.split('\n').filter((x) => x !== '')) {
    const [len, seq, fin] = l.split('|');
    bytes += Number(len);
    if (fin === '1' || fin === 'True') finSeq = Number(seq);
  }
  return { bytes, finSeq };
}

/**
 * Handshake, CONNECT/CONNACK, a PINGREQ/PINGRESP, then the close `end` builds with
 * c() and s() (cs/ss: the next sequence numbers). Returns the whole session.
 */
function session(end: (c: (flags: number, p?: Buffer) => void, s: (flags: number, ack?: number) => void, at: () => { cs: number; ss: number }) => void): { whole: Buffer; brokerOnly: Buffer } {
  const recs: (Rec & { fromClient: boolean })[] = [];
  let t = 1_700_000_000_000_000;
  let cs = 1000;
  let ss = 5000;
  const c = (flags: number, p?: Buffer) => {
    recs.push({ fromClient: true, timeUs: (t += 1000), data: tcpFrame(CLIENT, SERVER, { seq: cs, ack: ss, flags, payload: p }) });
    cs += (p?.length ?? 0) + (flags & (SYN | FIN) ? 1 : 0);
  };
  const s = (flags: number, p?: Buffer, ack = cs) => {
    recs.push({ fromClient: false, timeUs: (t += 1000), data: tcpFrame(SERVER, CLIENT, { seq: ss, ack, flags, payload: p }) });
    ss += (p?.length ?? 0) + (flags & (SYN | FIN) ? 1 : 0);
  };
  c(SYN); // client SYN
  s(SYN | ACK); // broker SYN+ACK
  c(ACK); // client ACK
  c(ACK | PSH, connectPacket('ow')); // CONNECT, 16 bytes
  s(ACK | PSH, CONNACK); // CONNACK, acknowledging it
  c(ACK | PSH, PINGREQ); // PINGREQ
  s(ACK | PSH, PINGRESP); // PINGRESP, acknowledging it
  end(c, (flags, ack) => s(flags, undefined, ack), () => ({ cs, ss }));
  return { whole: pcapFile(recs), brokerOnly: pcapFile(recs.filter((r) => !r.fromClient)) };
}

function readOneWay(pcap: Buffer) {
  const engine = new RecordingEngine();
  const res = readCaptureBuffer(pcap, { engine });
  const note = res.notes.find((n) => n.code === 'tcp-direction-not-captured');
  const sent = note ? Number(/the client sent (\d+) byte\(s\)/.exec(note.text)?.[1]) : -1;
  return { engine, res, sent };
}

describe('a one-way capture: the client FIN is not counted as a byte the client sent', () => {
  it('the broker FIN acknowledges the DISCONNECT and the client FIN at once', () => {
    const { whole, brokerOnly } = session((c, s) => {
      c(ACK | PSH, DISCONNECT); // DISCONNECT, not acknowledged on its own
      c(FIN | ACK); // client FIN
      s(FIN | ACK); // broker FIN, acknowledging both
      c(ACK); // client ACK of the broker FIN
    });
    const ts = tsharkClient(whole, 'together');
    expect(ts.bytes).toBe(16 + 2 + 2);
    const { sent, res, engine } = readOneWay(brokerOnly);
    expect(sent).toBe(ts.bytes);
    expect(res.hadErrors).toBe(false);
    expect(engine.of('gap')).toHaveLength(1);
  });

  it('the broker closes first acknowledging data only; its later ACK covers the client FIN alone', () => {
    const { whole, brokerOnly } = session((c, s, at) => {
      c(ACK | PSH, DISCONNECT); // DISCONNECT
      s(FIN | ACK); // broker FIN, acknowledging the DISCONNECT only
      c(FIN | ACK); // client FIN
      s(ACK, at().cs); // broker ACK of the client FIN
    });
    const ts = tsharkClient(whole, 'broker-first');
    const { sent, engine } = readOneWay(brokerOnly);
    expect(sent).toBe(ts.bytes);
    expect(engine.of('close')).toMatchObject([{ how: 'fin' }]);
  });

  it('the broker closes first; its later ACK covers three data bytes and the client FIN', () => {
    const { whole, brokerOnly } = session((c, s, at) => {
      s(FIN | ACK); // broker FIN, nothing new to acknowledge
      c(ACK | PSH, Buffer.from([0xc0, 0x00, 0xe0])); // a PINGREQ and a DISCONNECT cut short: 3 bytes
      c(FIN | ACK); // client FIN
      s(ACK, at().cs); // broker ACK of both
    });
    const ts = tsharkClient(whole, 'three-and-fin');
    expect(ts.finSeq).toBe(1000 + 1 + 16 + 2 + 3);
    const { sent } = readOneWay(brokerOnly);
    expect(sent).toBe(ts.bytes);
  });

  it('a pure ACK acknowledges the DISCONNECT and the client FIN, then the broker FIN repeats it', () => {
    const { whole, brokerOnly } = session((c, s) => {
      c(ACK | PSH, DISCONNECT); // DISCONNECT
      c(FIN | ACK); // client FIN
      s(ACK); // broker ACK of both
      s(FIN | ACK); // broker FIN, the same acknowledgement
      c(ACK); // client ACK of the broker FIN
    });
    const ts = tsharkClient(whole, 'ack-then-fin');
    const { sent } = readOneWay(brokerOnly);
    expect(sent).toBe(ts.bytes);
  });

  it('no FIN from either side before the capture ends: every acknowledged sequence number is a byte', () => {
    const { whole, brokerOnly } = session((c, s) => {
      c(ACK | PSH, PINGREQ); // a second PINGREQ
      s(ACK); // broker ACK of it; the capture ends here
    });
    const ts = tsharkClient(whole, 'open');
    expect(ts.finSeq).toBe(-1);
    const { sent } = readOneWay(brokerOnly);
    expect(sent).toBe(ts.bytes);
  });

  it('the broker closes after answering (PINGRESP), the client resets: its last acknowledged byte stays a byte', () => {
    const { whole, brokerOnly } = session((c, s) => {
      s(FIN | ACK); // broker FIN (say a keep-alive timeout), nothing new to acknowledge
      c(RST | ACK); // client RST: no FIN, nothing more from the broker
    });
    const ts = tsharkClient(whole, 'reset');
    expect(ts.finSeq).toBe(-1);
    const { sent } = readOneWay(brokerOnly);
    expect(sent).toBe(ts.bytes);
  });
});
