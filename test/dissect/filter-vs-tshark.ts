// Hand-written conversations (hex with one comment per field) decoded two ways:
// by mqttscope's Engine, whose records a filter then selects, and by tshark 4.0
// from a pcap of the same bytes with `-Y` (tshark missing is a failure, requireBinary).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pcapGlobalHeader, PcapConversationEncoder } from '../../src/capture/pcap-writer.js';
import { Engine } from '../../src/engine/engine.js';
import type { PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta, Direction, Endpoint } from '../../src/model/types.js';
import { requireBinary } from '../helpers/peers.js';
import { hex } from './helpers.js';
import { tempDir } from '../helpers/tmp.js';

export interface HexConversation {
  client: Endpoint;
  packets: Array<[Direction, string]>;
}

const metaOf = (c: HexConversation, server: Endpoint): ConnMeta =>
  ({ id: `${c.client.host}:${c.client.port}-${server.host}:${server.port}`, client: c.client, server, transport: 'tcp' });

/** The packet records the Engine makes of the conversations, in order. */
export function engineRecords(server: Endpoint, convs: HexConversation[]): PacketRecord[] {
  const recs: PacketRecord[] = [];
  const e = new Engine({ onRecord: (r) => { if (r.kind === 'packet') recs.push(r); } });
  for (const c of convs) {
    const meta = metaOf(c, server);
    e.open(meta, 1);
    c.packets.forEach(([d, h], i) => e.data(meta.id, d, hex(h), 2 + i));
  }
  return recs;
}

/**
 * The values of `field` (numbers; a frame with several packets gives several) in the
 * frames `tshark -Y FILTER` selects, on a pcap of the conversations, server port
 * decoded as MQTT.
 */
export function tsharkSelect(server: Endpoint, convs: HexConversation[], filter: string, field: string): number[] {
  const tshark = requireBinary('tshark');
  const out: Buffer[] = [pcapGlobalHeader()];
  let t = 1_000_000;
  for (const c of convs) {
    const enc = new PcapConversationEncoder(c.client, server);
    out.push(enc.open(t));
    for (const [d, h] of c.packets) out.push(enc.data(d, Buffer.from(hex(h)), (t += 1000)));
    out.push(enc.close((t += 1000)));
  }
  const file = join(tempDir('filter-vs-tshark-'), 'conv.pcap');
  writeFileSync(file, Buffer.concat(out));
  const text = execFileSync(tshark, ['-r', file, '-d', `tcp.port==${server.port},mqtt`, '-Y', filter, '-T', 'fields', '-e', field], { encoding: 'utf8' });
  return text.split('\n').filter(Boolean).flatMap((l) => l.split(',').map(Number));
}
