// The default `w` action: write the shown packets as a pcap, one synthetic TCP
// conversation per connection (the capture writer's encoder), in record order.
import { writeFile } from 'node:fs/promises';
import { PcapConversationEncoder, pcapGlobalHeader } from '../../capture/pcap-writer.js';
import type { PacketRecord } from '../../model/packet.js';

export async function writeRecordsPcap(recs: PacketRecord[], path: string): Promise<void> {
  const parts: Buffer[] = [pcapGlobalHeader()];
  const convs = new Map<string, { enc: PcapConversationEncoder; last: number }>();
  for (const r of recs) {
    let c = convs.get(r.conn.id);
    if (!c) {
      c = { enc: new PcapConversationEncoder(r.conn.client, r.conn.server), last: r.time };
      convs.set(r.conn.id, c);
      parts.push(c.enc.open(r.time));
    }
    parts.push(c.enc.data(r.dir, r.bytes, r.time));
    c.last = r.time;
  }
  for (const c of convs.values()) parts.push(c.enc.close(c.last, 'end'));
  await writeFile(path, Buffer.concat(parts));
}

export function defaultPcapName(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `mqttscope-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}.pcap`;
}
