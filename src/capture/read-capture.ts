// The thin I/O layer: stream a capture file through the push parser into a
// CaptureSession. Memory stays bounded: chunks are read one at a time and the
// engine runs synchronously on each before the next is read.
import { createReadStream, statSync } from 'node:fs';
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

/** Read a whole capture file into `opts.engine`, then call `engine.end()`. */
export async function readCaptureFile(path: string, opts: ReadCaptureOptions): Promise<CaptureReadResult> {
  const { parser, session } = wire(opts);
  const total = statSync(path).size;
  let read = 0;
  const stream = createReadStream(path, { highWaterMark: opts.chunkSize ?? 1024 * 1024 });
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    read += b.length;
    parser.push(b);
    opts.onProgress?.(read, total);
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
