// The default `w` action: write the shown packets as a pcap, one synthetic TCP
// conversation per connection (the capture writer's encoder), in record order.
import { chmod, stat, writeFile } from 'node:fs/promises';
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
  /**
   * Every server port other than 1883 in the file. Wireshark and tshark decode MQTT on
   * 1883 only (no heuristic finds it elsewhere), so they need `Decode As` / `-d`.
   */
  otherPorts?: number[];
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
  const other = new Set<number>();
  for (const c of convs.values()) {
    parts.push(c.enc.close(c.last, 'end'));
    if (c.port !== 1883) other.add(c.port);
    if (!c.connect && c.port !== 1883) ports.add(c.port);
  }
  // 0600, as --write and dumpcap: the file holds CONNECT passwords and decrypted TLS. A regular
  // file that was there already gets that mode too (a FIFO or device is left as it is).
  await writeFile(path, Buffer.concat(parts), { mode: 0o600 });
  if ((await stat(path)).isFile()) await chmod(path, 0o600);
  const sorted = (x: Set<number>): number[] => [...x].sort((a, b) => a - b);
  return { packets: recs.length, conversations: convs.size, portsToName: sorted(ports), otherPorts: sorted(other) };
}

/** What the TUI says after `w`: how much was written, and how to read it back when a port must be named. */
export function pcapWrittenText(path: string, r: PcapExport, maxPath = Infinity): string {
  // Too long for the message lines: the hint after the path is what the user needs next
  // (the tshark option, the --port to read it with), so the path gives way.
  return writtenText(shortenPath(path, maxPath), r);
}

/** `path` in at most `max` characters, cut from its start (`…`), but never shorter than its file name. */
export function shortenPath(path: string, max: number): string {
  if (path.length <= max) return path;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const keep = Math.max(name.length, max - 1);
  return keep >= path.length ? path : `…${path.slice(path.length - keep)}`;
}

function writtenText(path: string, r: PcapExport): string {
  const what = `wrote ${r.packets} packet${r.packets === 1 ? '' : 's'} to ${path}`;
  const list = (ports: number[], each: (p: number) => string): string => {
    const shown = ports.slice(0, 4);
    const more = ports.length > shown.length ? ` (and ${ports.length - shown.length} more ports)` : '';
    return `${shown.map(each).join(' ')}${more}`;
  };
  // Wireshark finds MQTT on 1883 only: name the other ports the way tshark takes them.
  const other = r.otherPorts ?? [];
  const wireshark = other.length ? `; Wireshark needs Decode As: tshark ${list(other, (p) => `-d tcp.port==${p},mqtt`)}` : '';
  if (r.portsToName.length === 0) return `${what}${wireshark}`;
  return `${what}; some conversations lack their CONNECT, so read it with ${list(r.portsToName, (p) => `--port ${p}`)}${wireshark}`;
}

export function defaultPcapName(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `mqttscope-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}.pcap`;
}
