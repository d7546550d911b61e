// A damaged IPv4 header was reported as "not a valid IPv4 header", which field unsaid; and a
// total length below the header length (tshark: "Bogus IP length") came out as "TCP header
// cut short", blaming the wrong layer. Each note now names the field and its value.
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { ACK, CLIENT, PSH, SERVER, connectPacket, pcapFile, RecordingEngine, tcpFrame } from './builders.js';

/** An Ethernet frame carrying a CONNECT, its IPv4 header (at byte 14) changed by `damage`. */
function frame(damage: (ip: Buffer) => void): Buffer {
  const f = tcpFrame(CLIENT, SERVER, { seq: 1000, ack: 5000, flags: ACK | PSH, payload: connectPacket('c1') });
  damage(f.subarray(14));
  return f;
}

describe('damaged IPv4 header fields', () => {
  it('version, header length and total length are each named, with their values', () => {
    const file = pcapFile([
      { timeUs: 1_700_000_000_000_000, data: frame((ip) => { ip[0] = 0x55; }) }, // version 5, header length 20
      { timeUs: 1_700_000_000_001_000, data: frame((ip) => { ip[0] = 0x44; }) }, // version 4, header length 4 * 4 = 16
      { timeUs: 1_700_000_000_002_000, data: frame((ip) => { ip.writeUInt16BE(10, 2); }) }, // total length 10 < header length 20
    ]);
    const res = readCaptureBuffer(file, { engine: new RecordingEngine() });
    expect(res.notes.filter((n) => n.severity !== 'info').map((n) => [n.frame, n.code, n.text])).toEqual([
      [1, 'bad-ip', 'frame 1: not a valid IPv4 header: its version field is 5, not 4; frame skipped'],
      [2, 'bad-ip', 'frame 2: not a valid IPv4 header: its header length is 16 bytes, below the minimum of 20; frame skipped'],
      [3, 'bad-ip', 'frame 3: not a valid IPv4 header: its total length 10 is less than its header length 20; frame skipped'],
    ]);
  });
});
