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

  /**
   * Opening the file throws. A later write failure (disk full) stops the
   * recording and is reported once through `onError`; forwarding goes on.
   * `onError` also gets one line when `path` is a FIFO with no reader yet, before
   * opening it waits for one (without it the process hung with no word).
   */
  constructor(path: string, opts: { flushIntervalMs?: number; maxBuffered?: number; onError?: (line: string) => void; staged?: boolean } = {}) {
    const onError = opts.onError;
    this.sink = new PcapFileSink(path, {
      ...(opts.staged ? { staged: true } : {}),
      flushIntervalMs: opts.flushIntervalMs ?? 1000,
      ...(opts.maxBuffered !== undefined ? { maxBuffered: opts.maxBuffered } : {}),
      onWaitForReader: () => {
        onError?.(`recording to ${path}: waiting for a reader to open this FIFO (e.g. wireshark -k -i ${path}); nothing is forwarded until one does`);
      },
      onError: (err) => {
        onError?.(`recording to ${path} stopped: ${describeFsError(err)}; the proxy keeps forwarding`);
      },
    });
  }

  /** Why the recording stopped, or null while it goes on. */
  get failed(): NodeJS.ErrnoException | null {
    return this.sink.failed;
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
    // Still encoded after a write failure, so live frame numbers keep counting as the file would have.
    this.dataSegments++;
    this.write(enc.data(dir, chunk, time));
  }

  /** One side half-closed (its FIN reached the proxy and was passed on): written at once, with its ACK. */
  end(id: string, dir: Direction, time: number): void {
    const enc = this.convs.get(id);
    if (!enc) return;
    this.write(enc.fin(dir, time));
  }

  close(id: string, time: number, how: CloseHow, by: Direction = 'c2s'): void {
    const enc = this.convs.get(id);
    if (!enc) return;
    this.convs.delete(id);
    // A broker that could not be reached, or a WebSocket client that broke the protocol:
    // the proxy closed the client with a FIN.
    this.write(enc.close(time, how === 'upstream-failed' || how === 'proxy-closed' ? 'fin' : how, by));
  }

  /** Write pcap records, counting them (16-byte record header, then caplen bytes). */
  private write(records: Buffer): void {
    for (let off = 0; off + 16 <= records.length; off += 16 + records.readUInt32LE(off + 8)) this.frames++;
    this.sink.write(records);
  }

  flush(): void {
    this.sink.flush();
  }

  /** A staged recording (opts.staged) moves to its path: call once the proxy is listening. Throws when it cannot. */
  place(): void {
    this.sink.place();
  }

  /** The proxy did not start: drop a staged recording, leaving the path as it was. */
  discard(): void {
    this.sink.discard();
  }

  /** Close open conversations and the file: the proxy ends them, so the server side sends the first FIN. */
  finish(time: number): void {
    for (const id of [...this.convs.keys()]) this.close(id, time, 'end', 's2c');
    this.sink.close();
  }
}

/** `ENOSPC: no space left on device, write` → `no space left on device (ENOSPC)`. */
export function describeFsError(err: NodeJS.ErrnoException): string {
  const text = err.message.replace(/^[A-Z0-9_]+: /, '').replace(/, (write|close|fsync|open)( '[^']*')?$/, '');
  return err.code && !text.includes(err.code) ? `${text} (${err.code})` : text;
}
