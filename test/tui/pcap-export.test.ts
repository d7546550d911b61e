// The TUI's `w`: the shown packets as a pcap that reads back. A filtered export
// can leave out a connection's CONNECT; on a port other than 1883 a reader then
// finds no MQTT unless told the port, so the message says which to name.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import { compileFilter } from '../../src/filter/index.js';
import type { OutputRecord, PacketRecord } from '../../src/model/packet.js';
import { pcapWrittenText, writeRecordsPcap } from '../../src/views/tui/pcap-export.js';
import { execFileSync } from 'node:child_process';
import { requireBinary } from '../helpers/peers.js';
import { ROOT } from './build.js';
import { tempDir } from '../helpers/tmp.js';

function records(file: Buffer, ports?: number[]): PacketRecord[] {
  const recs: PacketRecord[] = [];
  const engine = new Engine({ onRecord: (r: OutputRecord) => { if (r.kind === 'packet') recs.push(r); } });
  readCaptureBuffer(file, { engine, ...(ports ? { ports } : {}) });
  return recs;
}

describe('TUI pcap export', () => {
  it('a filtered export on another port than 1883 names the ports to read it back with', async () => {
    const dir = tempDir('tui-export-');
    // The same conversations moved to port 45219, as a capture of a broker on another port.
    const all = records(readFileSync(join(ROOT, 'captures/acl.pcap')))
      .map((r) => ({ ...r, conn: { ...r.conn, id: `${r.conn.id}:moved`, server: { ...r.conn.server, port: 45219 } }, bytes: r.bytes }) as PacketRecord);
    const pubs = all.filter(compileFilter('publish'));
    expect(pubs.length).toBeGreaterThan(0);
    const path = join(dir, 'pubs.pcap');
    const res = await writeRecordsPcap(pubs, path);
    expect(res).toEqual({ packets: pubs.length, conversations: expect.any(Number), portsToName: [45219], otherPorts: [45219] });
    const file = await readFile(path);
    expect(records(file)).toHaveLength(0); // what the user saw before: nothing
    expect(records(file, [45219])).toHaveLength(pubs.length);
    expect(pcapWrittenText(path, res)).toBe(`wrote ${pubs.length} packets to ${path}; some conversations lack their CONNECT, so read it with --port 45219; Wireshark needs Decode As: tshark -d tcp.port==45219,mqtt`);
    // Unfiltered, each conversation starts with its CONNECT: found on any port.
    const whole = await writeRecordsPcap(all, join(dir, 'all.pcap'));
    expect(whole.portsToName).toEqual([]);
    expect(records(await readFile(join(dir, 'all.pcap')))).toHaveLength(all.length);
    // Wireshark has no heuristic for MQTT: on 45219 it shows TCP only, until told the port.
    expect(pcapWrittenText('all.pcap', whole)).toBe(`wrote ${all.length} packets to all.pcap; Wireshark needs Decode As: tshark -d tcp.port==45219,mqtt`);
    // A path longer than the room gives way from its start, down to its file name; the
    // hint after it is kept whole.
    const deep = `/tmp/${'d'.repeat(120)}/all.pcap`;
    const short = pcapWrittenText(deep, whole, 40);
    expect(short).toBe(`wrote ${all.length} packets to …${deep.slice(deep.length - 39)}; Wireshark needs Decode As: tshark -d tcp.port==45219,mqtt`);
    // Never shorter than the file name.
    expect(pcapWrittenText(`/x/${'e'.repeat(300)}.pcap`, whole, 100)).toContain(` to …${'e'.repeat(300)}.pcap; Wireshark`);
    expect(pcapWrittenText(deep, whole, 1000)).toContain(` to ${deep};`);
    const tshark = requireBinary('tshark');
    const mqttFrames = (extra: string[]): number => execFileSync(tshark, ['-r', join(dir, 'all.pcap'), ...extra, '-Y', 'mqtt'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n').filter((l) => l.trim()).length;
    expect(mqttFrames([])).toBe(0);
    expect(mqttFrames(['-d', 'tcp.port==45219,mqtt'])).toBeGreaterThan(0);
  });

  it('says nothing about ports when every conversation is on 1883', async () => {
    const dir = tempDir('tui-export-');
    const all = records(readFileSync(join(ROOT, 'captures/acl.pcap')))
      .map((r) => ({ ...r, conn: { ...r.conn, server: { ...r.conn.server, port: 1883 } }, bytes: r.bytes }) as PacketRecord);
    const res = await writeRecordsPcap(all, join(dir, 'std.pcap'));
    expect(res.otherPorts).toEqual([]);
    expect(pcapWrittenText('std.pcap', res)).toBe(`wrote ${all.length} packets to std.pcap`);
  });
});
