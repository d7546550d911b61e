// Records every proxied connection as one TCP conversation (client address ↔
// listen address) in a pcap file, through capture/pcap-writer.
import type { CloseHow } from '../engine/engine.js';
import type { ConnMeta, Direction } from '../model/types.js';
import { PcapConversationEncoder, PcapFileSink } from '../capture/pcap-writer.js';
import type { ConnectionTap } from './types.js';

export class PcapTap implements ConnectionTap {
  private readonly convs = new Map<string, PcapConversationEncoder>();
  private readonly sink: PcapFileSink;
  /** TCP segments carrying data, written so far. */
  dataSegments = 0;
  /** Frames (pcap records) written so far: the number of the last one. */
  frames = 0;

  constructor(path: string, opts: { flushIntervalMs?: number } = {}) {
    this.sink = new PcapFileSink(path, { flushIntervalMs: opts.flushIntervalMs ?? 1000 });
  }

  get path(): string {
    return this.sink.path;
  }

  open(meta: ConnMeta, time: number): void {
    const enc = new PcapConversationEncoder(meta.client, meta.server, {
      clientIsn: (Math.random() * 0x100000000) >>> 0,
      serverIsn: (Math.random() * 0x100000000) >>> 0,
    });
    this.convs.set(meta.id, enc);
    this.write(enc.open(time));
  }

  data(id: string, dir: Direction, chunk: Uint8Array, time: number): void {
    const enc = this.convs.get(id);
    if (!enc) return;
    this.dataSegments++;
    this.write(enc.data(dir, chunk, time));
  }

  close(id: string, time: number, how: CloseHow, by: Direction = 'c2s'): void {
    const enc = this.convs.get(id);
    if (!enc) return;
    this.convs.delete(id);
    this.write(enc.close(time, how, by));
  }

  /** Write pcap records, counting them (16-byte record header, then caplen bytes). */
  private write(records: Buffer): void {
    for (let off = 0; off + 16 <= records.length; off += 16 + records.readUInt32LE(off + 8)) this.frames++;
    this.sink.write(records);
  }

  flush(): void {
    this.sink.flush();
  }

  /** Close open conversations (as 'end') and the file. */
  finish(time: number): void {
    for (const id of [...this.convs.keys()]) this.close(id, time, 'end');
    this.sink.close();
  }
}
