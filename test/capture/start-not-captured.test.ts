// A connection on a port not known as MQTT whose start was not captured cannot be
// recognised (no CONNECT to see): it used to vanish without a word, so a capture
// that joined a subscriber mid-way showed 0 packets, or "delivered 0" for its topics.
// Now one info note per file says so and names the --port that decodes it.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { CONNACK, connectPacket, conversation, pcapFile, publishPacket, RecordingEngine, type Rec } from './builders.js';

const BROKER = { host: '10.0.0.2', port: 38769 };
const SUB = { host: '10.0.0.1', port: 40001 };
const PUB = { host: '10.0.0.3', port: 40002 };
const PINGREQ = Buffer.from([0xc0, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

/** A subscriber joined mid-way (no SYN, no CONNECT): a delivery and a ping. */
function midSubscriber(t0: number): Rec[] {
  return conversation([
    { dir: 's2c', bytes: publishPacket('a/b', Buffer.from('hello')) },
    { dir: 'c2s', bytes: PINGREQ },
    { dir: 's2c', bytes: PINGRESP },
  ], { client: SUB, server: BROKER, handshake: false, fin: false, t0 });
}

function read(recs: Rec[], ports: number[] = []) {
  const engine = new RecordingEngine();
  const res = readCaptureBuffer(pcapFile(recs), { engine, ports });
  return { engine, res, notes: res.notes.filter((n) => n.code === 'start-not-captured') };
}

describe('connections whose start was not captured, on a port not known as MQTT', () => {
  it('the only connection: one info note naming the likely server and the --port to use', () => {
    const { engine, res, notes } = read(midSubscriber(1_700_000_000_000_000));
    expect(engine.opens()).toHaveLength(0);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ frame: 1, severity: 'info' });
    expect(notes[0]!.text).toBe('frame 1: 1 TCP connection whose start was not captured was not decoded: without a captured CONNECT, '
      + 'MQTT is only recognised on port 1883 and each --port N. Likely server: 10.0.0.2:38769 (1 connection, the first at frame 1); '
      + 'if it carries MQTT, run again with --port 38769');
    // Info: the file is sound, the exit status stays 0.
    expect(res.hadErrors).toBe(false);
  });

  it('next to a decoded connection to the same broker: the note says that endpoint is its broker', () => {
    const recs = [
      ...midSubscriber(1_700_000_000_000_000),
      ...conversation([
        { dir: 'c2s', bytes: connectPacket('pub') },
        { dir: 's2c', bytes: CONNACK },
        { dir: 'c2s', bytes: publishPacket('a/b', Buffer.from('hello')) },
      ], { client: PUB, server: BROKER, t0: 1_700_000_001_000_000 }),
    ];
    const { engine, notes } = read(recs);
    expect(engine.opens().map((o) => o.meta.id)).toEqual(['10.0.0.3:40002-10.0.0.2:38769']);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toContain('Likely server: 10.0.0.2:38769 (1 connection, the first at frame 1; it is the broker of 1 decoded MQTT connection in this capture)');
    expect(notes[0]!.text).toContain('run again with --port 38769');
  });

  it('with that --port the connection is decoded and no note is made', () => {
    const { engine, notes } = read(midSubscriber(1_700_000_000_000_000), [38769]);
    expect(engine.opens()).toMatchObject([{ midstream: true, meta: { client: SUB, server: BROKER } }]);
    expect(notes).toHaveLength(0);
  });

  it('no note for a non-MQTT connection whose start was captured, nor for a mid-way one unrelated to a decoded broker', () => {
    const http = conversation([
      { dir: 'c2s', bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n') },
      { dir: 's2c', bytes: Buffer.from('HTTP/1.1 200 OK\r\n\r\n') },
    ], { client: SUB, server: { host: '10.0.0.9', port: 8080 } });
    expect(read(http).notes).toHaveLength(0);
    // A mid-way SSH-like stream next to decoded MQTT elsewhere: not a broker of this capture, no hint.
    const recs = [
      ...conversation([{ dir: 's2c', bytes: Buffer.from('opaque bytes') }], { client: SUB, server: { host: '10.0.0.9', port: 22 }, handshake: false, fin: false }),
      ...conversation([{ dir: 'c2s', bytes: connectPacket('pub') }, { dir: 's2c', bytes: CONNACK }], { client: PUB, server: BROKER, t0: 1_700_000_001_000_000 }),
    ];
    expect(read(recs).notes).toHaveLength(0);
  });

  it('several such connections to one broker are counted in one note', () => {
    const recs = [
      ...midSubscriber(1_700_000_000_000_000),
      ...conversation([{ dir: 's2c', bytes: PINGRESP }], { client: { host: '10.0.0.5', port: 40005 }, server: BROKER, handshake: false, fin: false, t0: 1_700_000_000_500_000 }),
    ];
    const { notes } = read(recs);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toMatch(/^frame 1: 2 TCP connections whose start was not captured were not decoded: .* Likely server: 10\.0\.0\.2:38769 \(2 connections, the first at frame 1\); if they carry MQTT, run again with --port 38769$/);
  });
});
