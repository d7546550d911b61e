// The default `w` action: write the shown packets as a pcap, one synthetic TCP
// conversation per connection (the capture writer's encoder), in record order.
import { writeFile } from 'node:fs/promises';
import { PcapConversationEncoder, pcapGlobalHeader } from '../../capture/pcap-writer.js';
import type { PacketRecord } from '../../model/packet.js';

export interface PcapExport {
  packets: number;
  conversations: number;
  /**
   * Server ports other than 1883 of conversations written without their CONNECT (a
   * filter left it out): a reader finds MQTT there only when told the port
   * (`mqttscope read --port N`, `tshark -d tcp.port==N,mqtt`).
   */
  portsToName: number[];
}

export async function writeRecordsPcap(recs: PacketRecord[], path: string): Promise<PcapExport> {
  const parts: Buffer[] = [pcapGlobalHeader()];
  const convs = new Map<string, { enc: PcapConversationEncoder; last: number; port: number; connect: boolean }>();
  for (const r of recs) {
    let c = convs.get(r.conn.id);
    if (!c) {
      c = { enc: new PcapConversationEncoder(r.conn.client, r.conn.server), last: r.time, port: r.conn.server.port, connect: r.dir === 'c2s' && r.summary.type === 1 };
      convs.set(r.conn.id, c);
      parts.push(c.enc.open(r.time));
    }
    parts.push(c.enc.data(r.dir, r.bytes, r.time));
    c.last = r.time;
  }
  const ports = new Set<number>();
  for (const c of convs.values()) {
    parts.push(c.enc.close(c.last, 'end'));
    if (!c.connect && c.port !== 1883) ports.add(c.port);
  }
  await writeFile(path, Buffer.concat(parts));
  return { packets: recs.length, conversations: convs.size, portsToName: [...ports].sort((a, b) => a - b) };
}

/** What the TUI says after `w`: how much was written, and how to read it back when a port must be named. */
export function pcapWrittenText(path: string, r: PcapExport): string {
  const what = `wrote ${r.packets} packet${r.packets === 1 ? '' : 's'} to ${path}`;
  if (r.portsToName.length === 0) return what;
  const shown = r.portsToName.slice(0, 4);
  const more = r.portsToName.length > shown.length ? ` (and ${r.portsToName.length - shown.length} more ports)` : '';
  return `${what}; some conversations lack their CONNECT, so read it with ${shown.map((p) => `--port ${p}`).join(' ')}${more}`;
}

export function defaultPcapName(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `mqttscope-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}.pcap`;
}
