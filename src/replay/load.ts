// Load a capture into per-connection replay scripts: the client's packets
// (exact bytes, with capture time) and the broker's captured answers.
import { Engine } from '../engine/engine.js';
import { readCaptureFile } from '../capture/read-capture.js';
import type { CaptureNote } from '../capture/notes.js';
import type { PacketRecord } from '../model/packet.js';
import type { ConnMeta } from '../model/types.js';
import { answerOf, type Answer } from './answer.js';
import { DeliveryTracker, type Delivery } from './deliveries.js';

export interface ScriptPacket {
  /** Exact packet bytes as captured (a private copy). */
  bytes: Uint8Array;
  /** Capture time, µs since the epoch. */
  time: number;
  frame: number;
  type: number;
  /** For PUBACK, PUBREC and PUBCOMP: the captured broker delivery this packet acknowledges. */
  acks?: Delivery;
  /** Codes of the error notes the dissector attached (a broker may close the connection over them). */
  errors: string[];
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
  // Keyed by the ConnMeta object, not its id: a 4-tuple reused after a close
  // (a new SYN) is a new connection with a new meta but the same id.
  const scripts = new Map<ConnMeta, { script: ConnScript; deliveries: DeliveryTracker }>();
  const order: ConnScript[] = [];
  let startTime = Number.POSITIVE_INFINITY;
  const get = (meta: ConnMeta, time: number): { script: ConnScript; deliveries: DeliveryTracker } => {
    let c = scripts.get(meta);
    if (!c) {
      const script: ConnScript = { index: order.length + 1, meta, clientId: null, version: 4, openTime: time, close: null, sent: [], answers: [] };
      c = { script, deliveries: new DeliveryTracker() };
      scripts.set(meta, c);
      order.push(script);
    }
    return c;
  };
  const onPacket = (rec: PacketRecord): void => {
    const { script: c, deliveries } = get(rec.conn, rec.time);
    startTime = Math.min(startTime, rec.time);
    const s = rec.summary;
    if (rec.dir === 'c2s') {
      const p: ScriptPacket = {
        bytes: new Uint8Array(rec.bytes), time: rec.time, frame: rec.frame, type: s.type,
        errors: rec.notes.filter((n) => n.severity === 'error').map((n) => n.code),
      };
      // PUBACK / PUBREC / PUBCOMP from a client answer the broker's delivery with that id.
      if ((s.type === 4 || s.type === 5 || s.type === 7) && s.packetId !== null) p.acks = deliveries.ofId(s.packetId);
      c.sent.push(p);
      if (s.type === 1 && s.connect) c.clientId = s.connect.clientId;
    } else {
      const a = answerOf(rec);
      if (a.type === 3 && a.qos > 0 && a.packetId !== null) deliveries.publish(a.topic ?? '', a.qos, a.packetId, a.frame);
      else if (a.type === 6 && a.packetId !== null) deliveries.pubrel(a.packetId);
      c.answers.push(a);
    }
    c.version = rec.version;
  };
  const engine = new Engine({
    onRecord: (rec) => { if (rec.kind === 'packet') onPacket(rec); },
    observers: [{
      open: (meta, time) => { get(meta, time); startTime = Math.min(startTime, time); },
      close: (meta, time, how) => {
        const c = scripts.get(meta);
        if (c && how !== 'end') c.script.close = { time, how };
      },
    }],
  });
  const res = await readCaptureFile(path, { engine, ports: opts.ports, onProgress: opts.onProgress });
  const conns = order.filter((c) => c.sent.length > 0);
  return { conns, notes: res.notes, hadErrors: res.hadErrors, startTime: Number.isFinite(startTime) ? startTime : 0 };
}
