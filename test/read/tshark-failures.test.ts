// Where tshark 4.0 gets MQTT wrong or says nothing, and mqttscope must not.
// Each test runs real tshark on the same capture to show its failure, then
// mqttscope to show the right answer.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONNACK, CONNECT, conversation, DISCONNECT, PUBLISH, WS_ACCEPT, WS_UPGRADE, wsFrame } from './craft.js';
import { readJsonRecords, tshark } from './run.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
beforeAll(() => { dir = tempDir('mqttscope-tshark-'); });

function write(name: string, pcap: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, pcap);
  return p;
}

type Rec = Record<string, unknown>;
const packets = (rs: Rec[]): Rec[] => rs.filter((r) => r['kind'] === 'packet');
const types = (rs: Rec[]): string[] => packets(rs).map((r) => `${r['type']}${r['topic'] ? ` ${r['topic']}` : ''}`);

describe('tshark 4.0 fails, mqttscope decodes', () => {
  it('(a) a Remaining Length varint split across two TCP segments', () => {
    // PUBLISH with Remaining Length 215 = d7 01: segment 1 ends after d7, segment 2 starts with 01.
    const pub = PUBLISH('sensors/big', Buffer.alloc(200, 0x41), 1, 7);
    expect(pub.subarray(0, 3).toString('hex')).toBe('32d701');
    const f = write('split-varint.pcap', conversation([
      { dir: 'c2s', bytes: CONNECT('split-1') }, { dir: 's2c', bytes: CONNACK() },
      { dir: 'c2s', bytes: pub.subarray(0, 2) }, { dir: 'c2s', bytes: pub.subarray(2) },
      { dir: 'c2s', bytes: PUBLISH('after', 'x') }, { dir: 'c2s', bytes: DISCONNECT() },
    ]));
    const ts = tshark(['-r', f]).stdout;
    // tshark: the first segment is Malformed, the second becomes garbage (Reserved types,
    // a PUBACK made of payload bytes) and the PUBLISH on sensors/big never appears.
    expect(ts).toMatch(/Malformed Packet/);
    expect(ts).toMatch(/Reserved/);
    expect(ts).not.toMatch(/sensors\/big/);
    const rs = readJsonRecords(f);
    expect(types(rs)).toEqual(['CONNECT', 'CONNACK', 'PUBLISH sensors/big', 'PUBLISH after', 'DISCONNECT']);
    const big = packets(rs)[2]!;
    expect(big).toMatchObject({ length: 215, length_bytes: 'd701', packet_id: 7, qos: 1, payload_length: 200, notes: [] });
  });

  it('(b) a capture that joins a connection in the middle of a packet', () => {
    // The capture starts 1000 bytes into a 3000-byte PUBLISH: no SYN, no CONNECT.
    const big = PUBLISH('sensors/big', Buffer.alloc(3000, 0x42), 0);
    const connect = CONNECT('late-1');
    const f = write('join-midpacket.pcap', conversation([
      { dir: 'c2s', bytes: connect }, { dir: 's2c', bytes: CONNACK() },
      { dir: 'c2s', bytes: big.subarray(0, 1000) }, { dir: 'c2s', bytes: big.subarray(1000) },
      { dir: 'c2s', bytes: PUBLISH('after/join', 'hello') }, { dir: 'c2s', bytes: DISCONNECT() },
    ], { handshake: false, skipC2s: connect.length + 1000 }));
    const ts = tshark(['-r', f]).stdout;
    // tshark reads the 'B' payload bytes (0x42 = PUBACK type, length 0x42) as dozens of PUBACKs
    // with id 16962 (0x4242) and never shows the PUBLISH on after/join.
    expect((ts.match(/Publish Ack \(id=16962\)/g) ?? []).length).toBeGreaterThan(10);
    expect(ts).not.toMatch(/after\/join/);
    const rs = readJsonRecords(f);
    // mqttscope: no PUBACK invented; it reports the gap, resyncs and decodes what follows.
    expect(types(rs)).toEqual(['CONNACK', 'PUBLISH after/join', 'DISCONNECT']);
    expect(rs.some((r) => r['kind'] === 'finding' && r['code'] === 'stream-gap')).toBe(true);
    const pub = packets(rs)[1]!;
    expect(pub['payload_length']).toBe(5);
    expect(pub['version_inferred']).toBe(true);
  });

  it('(c1) MQTT on an unregistered port', () => {
    const f = write('port-5555.pcap', conversation([
      { dir: 'c2s', bytes: CONNECT('odd-port') }, { dir: 's2c', bytes: CONNACK() },
      { dir: 'c2s', bytes: PUBLISH('odd/port', 'hi') }, { dir: 'c2s', bytes: DISCONNECT() },
    ], { serverPort: 5555 }));
    // Without `-d tcp.port==5555,mqtt` tshark shows plain TCP.
    const ts = tshark(['-r', f, '-Y', 'mqtt']);
    expect(ts.stdout.trim()).toBe('');
    expect(tshark(['-r', f]).stdout).not.toMatch(/MQTT/);
    const rs = readJsonRecords(f);
    expect(types(rs)).toEqual(['CONNECT', 'CONNACK', 'PUBLISH odd/port', 'DISCONNECT']);
    expect(packets(rs)[0]!['conn']).toBe('10.0.0.1:50000-10.0.0.2:5555');
  });

  it('(c2) MQTT over WebSocket', () => {
    const f = write('ws-9001.pcap', conversation([
      { dir: 'c2s', bytes: WS_UPGRADE }, { dir: 's2c', bytes: WS_ACCEPT },
      { dir: 'c2s', bytes: wsFrame(CONNECT('ws-client'), true) }, { dir: 's2c', bytes: wsFrame(CONNACK(), false) },
      { dir: 'c2s', bytes: wsFrame(PUBLISH('ws/topic', 'over websocket'), true) }, { dir: 'c2s', bytes: wsFrame(DISCONNECT(), true) },
    ], { serverPort: 9001 }));
    // tshark recognises HTTP and the WebSocket frames, but not the MQTT inside them.
    const all = tshark(['-r', f]).stdout;
    expect(all).toMatch(/WebSocket Binary/);
    expect(tshark(['-r', f, '-Y', 'mqtt']).stdout.trim()).toBe('');
    const rs = readJsonRecords(f);
    expect(types(rs)).toEqual(['CONNECT', 'CONNACK', 'PUBLISH ws/topic', 'DISCONNECT']);
    expect(packets(rs)[0]).toMatchObject({ client_id: 'ws-client', dir: 'c2s' });
  });

  it('(d) QoS 3 and reserved flag bits', () => {
    const q3 = Buffer.from(PUBLISH('q/three', 'x', 1, 9));
    q3[0] = 0x36; // PUBLISH with both QoS bits set [MQTT-3.3.1-4]
    const sub = Buffer.from([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]); // SUBSCRIBE with flags 0000 [MQTT-3.8.1-1]
    const f = write('bad-flags.pcap', conversation([
      { dir: 'c2s', bytes: CONNECT('bad-flags') }, { dir: 's2c', bytes: CONNACK() },
      { dir: 'c2s', bytes: q3 }, { dir: 'c2s', bytes: sub }, { dir: 'c2s', bytes: DISCONNECT() },
    ]));
    // tshark decodes both without any expert info: QoS 3 is just "Reserved (3)".
    const v = tshark(['-r', f, '-V']).stdout;
    expect(v).toMatch(/Publish Message/);
    expect(v).toMatch(/Subscribe Request/);
    // The expert-info filter works (it finds the TCP SYN notes) but no MQTT frame has any.
    expect(tshark(['-r', f, '-Y', '_ws.expert']).stdout).toMatch(/SYN/);
    const mqttExpert = tshark(['-r', f, '-Y', 'mqtt && _ws.expert']).stdout.trim();
    expect(mqttExpert).toBe('');
    const rs = packets(readJsonRecords(f));
    const codes = (r: Rec): string[] => (r['notes'] as { code: string }[]).map((n) => n.code);
    const pub = rs.find((r) => r['type'] === 'PUBLISH')!;
    const s = rs.find((r) => r['type'] === 'SUBSCRIBE')!;
    expect(codes(pub)).toContain('qos-3');
    expect(codes(s)).toContain('reserved-flags');
    expect((pub['notes'] as { spec?: string }[]).find((n) => (n as { code: string }).code === 'qos-3')?.spec).toBe('MQTT-3.3.1-4');
  });
});
