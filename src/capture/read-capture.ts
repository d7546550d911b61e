// The thin I/O layer: stream a capture file through the push parser into a
// CaptureSession. Memory stays bounded: chunks are read one at a time and the
// engine runs synchronously on each before the next is read.
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureParser, type CaptureFormat } from './capture-parser.js';
import { CaptureSession, type CaptureSessionOptions, type CaptureStats } from './capture-session.js';
import type { CaptureNote } from './notes.js';

export interface ReadCaptureOptions extends CaptureSessionOptions {
  /** Called after each chunk with bytes read so far and the file size. */
  onProgress?: (bytesRead: number, total: number) => void;
  /** Read size. Default 1 MiB. */
  chunkSize?: number;
}

export interface CaptureReadResult {
  format: CaptureFormat | null;
  /** Frames in the file. */
  frames: number;
  /** Notes passed on (the per-code limit applies; `stats.notes` counts all). */
  notes: CaptureNote[];
  stats: CaptureStats;
  /** Any warn or error note: `read` exits 1. */
  hadErrors: boolean;
}

function wire(opts: CaptureSessionOptions): { parser: CaptureParser; session: CaptureSession } {
  const session = new CaptureSession(opts);
  // Frames are lent, not copied: the session copies the TCP payloads it keeps.
  const parser = new CaptureParser({ onFrame: (f) => session.frame(f), onFrameView: (v) => session.frameView(v), onNote: (n) => session.note(n) });
  return { parser, session };
}

function result(parser: CaptureParser, session: CaptureSession): CaptureReadResult {
  const n = session.stats.notes;
  return { format: parser.format, frames: parser.frames, notes: session.notes, stats: session.stats, hadErrors: n.warn + n.error > 0 };
}

/** Whether a file starts with the gzip magic 1f 8b [RFC 1952 §2.3.1]. */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

export interface CaptureFileChunks extends AsyncIterable<Buffer> {
  /** The file is gzip-compressed and is being decompressed on the fly. */
  readonly gzip: boolean;
  /** Bytes of the file read so far (compressed bytes for a gzip file): for progress. */
  readonly fileBytesRead: number;
  /** Stop reading early. */
  destroy(): void;
}

/**
 * The bytes of a capture file in chunks, gunzipped on the fly when the file is
 * gzip-compressed (`.pcap.gz`, `.pcapng.gz`, as tshark reads them). A damaged or
 * cut gzip stream fails the iteration with an Error saying so.
 */
export function captureFileChunks(path: string, chunkSize = 1024 * 1024): CaptureFileChunks {
  const gzip = isGzipFile(path);
  const file = createReadStream(path, { highWaterMark: chunkSize });
  let source: AsyncIterable<unknown> = file;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: Math.max(64, Math.min(chunkSize, 1024 * 1024)) });
    // pipeline() forwards a read error of the file into the gunzip stream (and so into the loop).
    pipeline(file, gunzip, () => {});
    source = gunzip;
  }
  return {
    gzip,
    get fileBytesRead() { return file.bytesRead; },
    destroy() { file.destroy(); },
    async *[Symbol.asyncIterator]() {
      try {
        for await (const chunk of source) yield chunk as Buffer;
      } catch (err) {
        if (!gzip) throw err;
        const e = err as NodeJS.ErrnoException;
        throw new Error(e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message)
          ? 'the gzip-compressed file ends early (it was cut short); what came before is decoded'
          : `the gzip-compressed file is damaged (${e.message}); what came before is decoded`);
      } finally {
        file.destroy();
      }
    },
  };
}

/** Read a whole capture file (gzip-compressed or not) into `opts.engine`, then call `engine.end()`. */
export async function readCaptureFile(path: string, opts: ReadCaptureOptions): Promise<CaptureReadResult> {
  const { parser, session } = wire(opts);
  const total = statSync(path).size;
  const chunks = captureFileChunks(path, opts.chunkSize);
  for await (const chunk of chunks) {
    parser.push(chunk);
    opts.onProgress?.(chunks.fileBytesRead, total);
  }
  parser.end();
  session.finish();
  return result(parser, session);
}

/** The same over an in-memory capture (tests, stdin already read). */
export function readCaptureBuffer(data: Buffer, opts: CaptureSessionOptions): CaptureReadResult {
  const { parser, session } = wire(opts);
  parser.push(data);
  parser.end();
  session.finish();
  return result(parser, session);
}

/** Push-level API: feed chunks yourself, then call `end()`. */
export function createCaptureReader(opts: CaptureSessionOptions): {
  push(chunk: Buffer): void;
  end(): CaptureReadResult;
  session: CaptureSession;
  parser: CaptureParser;
} {
  const { parser, session } = wire(opts);
  return {
    parser, session,
    push: (chunk) => parser.push(chunk),
    end: () => {
      parser.end();
      session.finish();
      return result(parser, session);
    },
  };
}
