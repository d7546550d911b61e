// Which side closed a captured connection first (its FIN or RST came first): the
// engine passes it on to the analysis, which reports a CONNECT the broker hung up
// on without a CONNACK as connect-refused (and nothing when the client left first).
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import type { Finding } from '../../src/model/packet.js';
import { ACK, CLIENT, connectPacket, FIN, pcapFile, PSH, RecordingEngine, RST, SERVER, SYN, tcpFrame, type Rec } from './builders.js';

type Ending = 'server-fin' | 'client-fin' | 'server-rst' | 'none';

/** Handshake, a CONNECT from the client, no CONNACK, then the given ending. */
function unanswered(ending: Ending): Buffer {
  const recs: Rec[] = [];
  let t = 1_700_000_000_000_000;
  const c = (seq: number, ack: number, flags: number, payload?: Buffer) => recs.push({ timeUs: (t += 1000), data: tcpFrame(CLIENT, SERVER, { seq, ack, flags, payload }) });
  const s = (seq: number, ack: number, flags: number, payload?: Buffer) => recs.push({ timeUs: (t += 1000), data: tcpFrame(SERVER, CLIENT, { seq, ack, flags, payload }) });
  const connect = connectPacket('gone');
  c(1000, 0, SYN);
  s(5000, 1001, SYN | ACK);
  c(1001, 5001, ACK);
  c(1001, 5001, ACK | PSH, connect);
  const cs = 1001 + connect.length;
  if (ending === 'server-fin') {
    s(5001, cs, FIN | ACK); // the broker hangs up first
    c(cs, 5002, FIN | ACK);
    s(5002, cs + 1, ACK);
  } else if (ending === 'client-fin') {
    c(cs, 5001, FIN | ACK); // the client gives up first
    s(5001, cs + 1, FIN | ACK);
    c(cs + 1, 5002, ACK);
  } else if (ending === 'server-rst') {
    s(5001, cs, RST | ACK);
  }
  return pcapFile(recs);
}

function findings(buf: Buffer): Finding[] {
  const out: Finding[] = [];
  const analyzer = new Analyzer((f) => out.push(f));
  const engine = new Engine({ onRecord: (r) => { if (r.kind === 'finding') out.push(r); }, observers: [analyzer] });
  readCaptureBuffer(buf, { engine });
  engine.end(1_800_000_000_000_000);
  return out;
}

describe('the side that closed a captured connection first', () => {
  it('is passed to the engine: s2c for a FIN or RST from the broker first, c2s for a FIN from the client first', () => {
    for (const [ending, by, how] of [['server-fin', 's2c', 'fin'], ['client-fin', 'c2s', 'fin'], ['server-rst', 's2c', 'reset']] as const) {
      const engine = new RecordingEngine();
      readCaptureBuffer(unanswered(ending), { engine });
      expect(engine.of('close'), ending).toMatchObject([{ how, by }]);
    }
  });

  it('a capture that ends with the connection open names no side', () => {
    const engine = new RecordingEngine();
    readCaptureBuffer(unanswered('none'), { engine });
    engine.end(1_800_000_000_000_000);
    for (const e of engine.of('close')) expect(e).not.toHaveProperty('by');
  });

  it('a CONNECT the broker hung up on without a CONNACK is connect-refused; the client leaving first, or the capture ending, is not', () => {
    const fin = findings(unanswered('server-fin')).filter((f) => f.code === 'connect-refused');
    expect(fin).toHaveLength(1);
    expect(fin[0]).toMatchObject({ severity: 'error', clientId: 'gone', extra: { no_connack: true, closed_by: 'broker', close: 'fin' } });
    expect(fin[0]!.text).toContain('The broker closed the connection (FIN) after the CONNECT of');
    expect(fin[0]!.text).toContain('[MQTT-3.1.4-1]');
    const rst = findings(unanswered('server-rst')).filter((f) => f.code === 'connect-refused');
    expect(rst).toHaveLength(1);
    expect(rst[0]!.text).toContain('reset the connection (RST)');
    expect(findings(unanswered('client-fin')).map((f) => f.code)).not.toContain('connect-refused');
    expect(findings(unanswered('none')).map((f) => f.code)).not.toContain('connect-refused');
  });
});
