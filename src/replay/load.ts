// Load a capture into per-connection replay scripts: the client's packets
// (exact bytes, with capture time) and the broker's captured answers.
import { Engine } from '../engine/engine.js';
import { readCaptureFile } from '../capture/read-capture.js';
import type { CaptureNote } from '../capture/notes.js';
import type { PacketRecord } from '../model/packet.js';
import type { ConnMeta } from '../model/types.js';
import { answerOf, type Answer } from './answer.js';

export interface ScriptPacket {
  /** Exact packet bytes as captured (a private copy). */
  bytes: Uint8Array;
  /** Capture time, µs since the epoch. */
  time: number;
  frame: number;
  type: number;
}

export interface ConnScript {
  /** Index in capture order (1-based), for reports. */
  index: number;
  meta: ConnMeta;
  clientId: string | null;
  version: number;
  /** Time the connection was first seen. */
  openTime: number;
  /** Time and manner the connection ended in the capture (null: still open at the end). */
  close: { time: number; how: string } | null;
  /** Client → broker packets in order. */
  sent: ScriptPacket[];
  /** Broker → client packets as captured, in order. */
  answers: Answer[];
}

export interface LoadedCapture {
  conns: ConnScript[];
  notes: CaptureNote[];
  hadErrors: boolean;
  /** Time of the first event. */
  startTime: number;
}

export async function loadCapture(path: string, opts: { ports?: number[]; onProgress?: (done: number, total: number) => void } = {}): Promise<LoadedCapture> {
  const byId = new Map<string, ConnScript>();
  const order: ConnScript[] = [];
  let startTime = Number.POSITIVE_INFINITY;
  const get = (meta: ConnMeta, time: number): ConnScript => {
    let c = byId.get(meta.id);
    if (!c) {
      c = { index: order.length + 1, meta, clientId: null, version: 4, openTime: time, close: null, sent: [], answers: [] };
      byId.set(meta.id, c);
      order.push(c);
    }
    return c;
  };
  const onPacket = (rec: PacketRecord): void => {
    const c = get(rec.conn, rec.time);
    startTime = Math.min(startTime, rec.time);
    if (rec.dir === 'c2s') {
      c.sent.push({ bytes: rec.bytes.slice(), time: rec.time, frame: rec.frame, type: rec.summary.type });
      if (rec.summary.type === 1 && rec.summary.connect) c.clientId = rec.summary.connect.clientId;
    } else {
      c.answers.push(answerOf(rec));
    }
    c.version = rec.version;
  };
  const engine = new Engine({
    onRecord: (rec) => { if (rec.kind === 'packet') onPacket(rec); },
    observers: [{
      open: (meta, time) => { get(meta, time); startTime = Math.min(startTime, time); },
      close: (meta, time, how) => {
        const c = byId.get(meta.id);
        if (c && how !== 'end') c.close = { time, how };
      },
    }],
  });
  const res = await readCaptureFile(path, { engine, ports: opts.ports, onProgress: opts.onProgress });
  // A connection may appear again (same 4-tuple reused): the engine keys by id,
  // so a reused tuple continues the script; good enough for replays.
  const conns = order.filter((c) => c.sent.length > 0);
  return { conns, notes: res.notes, hadErrors: res.hadErrors, startTime: Number.isFinite(startTime) ? startTime : 0 };
}
