// Compare the broker's answers now with the ones in the capture. Answers are
// matched by type + packet id (PUBLISH deliveries by topic), and by order of
// occurrence among equal keys, which is how CONNACK, SUBACK and PINGRESP pair up.
// A retained PUBLISH (retain 1: sent from the broker's store on a new subscription)
// is keyed apart from live ones on its topic, so a retained message left by an
// earlier run shows as an extra retained delivery, not as a live one whose retain flag changed.
// The broker picks the ids of its own deliveries, so its PUBRELs (which carry
// them) are matched by the delivery they release instead.
import { packetTypeName } from '../protocol/packet-types.js';
import { printable } from '../views/format.js';
import { answerLabel, codeText, type Answer } from './answer.js';
import { createHash } from 'node:crypto';
import { DeliveryTracker } from './deliveries.js';
import { FirstN, Fifo } from './queue.js';

export interface Difference {
  /**
   * changed/missing/extra: answers; closed: the broker closed the connection
   * (or did not) unlike in the capture; late/not-sent: a client ack whose
   * delivery came late or never.
   */
  kind: 'changed' | 'missing' | 'extra' | 'closed' | 'late' | 'not-sent';
  /** Captured frame (changed/missing/late/not-sent). */
  frame: number | null;
  text: string;
}

/** The matching key of each answer of one connection, given in order. */
class Keyer {
  // Only ids and counts: the key of a PUBREL is the delivery its id names.
  private readonly deliveries = new DeliveryTracker(false);
  key(a: Answer): string {
    if (a.type === 3) {
      if (a.qos > 0 && a.packetId !== null) this.deliveries.publish(a.topic ?? '', a.qos, a.packetId, 0, a.retain);
      return a.retain ? `3|retained|${a.topic ?? ''}` : `3|${a.topic ?? ''}`;
    }
    if (a.type === 6 && a.packetId !== null) {
      const d = this.deliveries.pubrel(a.packetId);
      if (d) return `6|delivery ${d.key}#${d.ordinal}`;
    }
    if (a.packetId !== null) return `${a.type}|${a.packetId}`;
    return String(a.type);
  }
}

/** PUBACK…PUBCOMP and DISCONNECT may omit a success reason code (MQTT 5 §3.4.2.1). */
function codes(a: Answer): number[] {
  if (a.reasonCodes && a.reasonCodes.length > 0) return a.reasonCodes;
  return a.type >= 4 && a.type <= 7 || a.type === 14 ? [0] : [];
}

/**
 * An answer waiting for its counterpart keeps, instead of a PUBLISH payload, its
 * length and a fingerprint: the payload itself up to 20 bytes, its SHA-1 beyond.
 * Two payloads of equal length thus always have fingerprints of the same kind.
 */
interface Kept {
  a: Answer;
  payloadLength: number | null;
  fingerprint: Uint8Array | null;
  seq: number;
}

function keep(a: Answer, seq: number): Kept {
  const p = a.payload;
  const fingerprint = p === null ? null : p.length <= 20 ? Uint8Array.from(p) : createHash('sha1').update(p).digest();
  return { a: p === null ? a : { ...a, payload: null }, payloadLength: p === null ? null : p.length, fingerprint, seq };
}

function sameBytes(x: Uint8Array | null, y: Uint8Array | null): boolean {
  if (x === null || y === null) return x === y;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function samePayload(x: Kept, y: Kept): boolean {
  return x.payloadLength === y.payloadLength && sameBytes(x.fingerprint, y.fingerprint);
}

function compareOne(wasK: Kept, nowK: Kept): string[] {
  const was = wasK.a, now = nowK.a;
  const out: string[] = [];
  const name = packetTypeName(was.type);
  if (was.type === 2) {
    const a = codes(was)[0], b = codes(now)[0];
    if (a !== b) {
      const at = a === undefined ? 'none' : codeText(2, a, was.version);
      const bt = b === undefined ? 'none' : codeText(2, b, now.version);
      out.push(`CONNACK ${at} in the capture, ${bt} now`);
    }
    if (was.sessionPresent !== now.sessionPresent) {
      out.push(`CONNACK session present ${was.sessionPresent ? 1 : 0} in the capture, ${now.sessionPresent ? 1 : 0} now`);
    }
    return out;
  }
  if (was.type === 3) {
    const what = `PUBLISH '${printable(was.topic ?? '')}'`;
    if (was.qos !== now.qos) out.push(`${what} QoS ${was.qos} → ${now.qos}`);
    if (!samePayload(wasK, nowK)) {
      out.push(`${what} payload differs (${wasK.payloadLength ?? 0} bytes in the capture, ${nowK.payloadLength ?? 0} now)`);
    }
    return out;
  }
  const a = codes(was), b = codes(now);
  if (a.join(',') !== b.join(',')) {
    const id = was.packetId !== null ? ` id ${was.packetId}` : '';
    const wasText = a.map((c) => codeText(was.type, c, was.version));
    const nowText = b.map((c) => codeText(was.type, c, now.version));
    if (was.type === 9) out.push(`SUBACK${id} granted [${wasText.join(', ')}] → [${nowText.join(', ')}]`);
    else if (a.length <= 1 && b.length <= 1) out.push(`${name}${id} reason ${wasText[0] ?? 'none'} → ${nowText[0] ?? 'none'}`);
    else out.push(`${name}${id} reasons [${wasText.join(', ')}] → [${nowText.join(', ')}]`);
  }
  return out;
}

type Keyed = Difference & { seq: number; time: number };

/**
 * Compares a connection's captured answers with the ones received now while
 * both come in (the captured ones as the capture is read, the live ones as the
 * broker sends them). The n-th captured answer with a key pairs with the n-th
 * received one with that key; a pair is compared and let go at once, so only
 * answers still waiting for their counterpart are kept (without their payloads).
 * At most `maxListed` differences are kept; the rest are counted.
 */
export class AnswerMatcher {
  private readonly capturedKeys = new Keyer();
  private readonly receivedKeys = new Keyer();
  private readonly waitingCaptured = new Map<string, Fifo<Kept>>();
  private readonly waitingReceived = new Map<string, Fifo<Kept>>();
  /** Changed answers, by captured order. */
  private readonly changed: FirstN<Keyed>;
  capturedCount = 0;
  receivedCount = 0;
  private finished: { diffs: Difference[]; notListed: number } | null = null;

  constructor(private readonly maxListed = Number.POSITIVE_INFINITY) {
    this.changed = new FirstN<Keyed>(maxListed, (x, y) => x.seq - y.seq);
  }

  /** Captured answers and received answers still waiting for their counterpart. */
  get waiting(): number {
    let n = 0;
    for (const q of this.waitingCaptured.values()) n += q.length;
    for (const q of this.waitingReceived.values()) n += q.length;
    return n;
  }

  captured(a: Answer): void {
    const k = this.capturedKeys.key(a);
    const kept = keep(a, this.capturedCount++);
    const now = take(this.waitingReceived, k);
    if (now) this.pair(kept, now);
    else put(this.waitingCaptured, k, kept);
  }

  received(a: Answer): void {
    const k = this.receivedKeys.key(a);
    const kept = keep(a, this.receivedCount++);
    const was = take(this.waitingCaptured, k);
    if (was) this.pair(was, kept);
    else put(this.waitingReceived, k, kept);
  }

  private pair(was: Kept, now: Kept): void {
    for (const t of compareOne(was, now)) {
      this.changed.add({ kind: 'changed', frame: was.a.frame, text: `${t} (capture frame ${was.a.frame})`, seq: was.seq, time: 0 });
    }
  }

  /**
   * The differences: changed and missing answers in captured order, then extra
   * ones in the order they came. Called once both sides are complete; what
   * was waiting is let go. `until` (a replay stopped early): captured answers
   * later than this capture time were never due, and are not missing.
   */
  finish(until = Number.POSITIVE_INFINITY): { diffs: Difference[]; notListed: number } {
    if (this.finished) return this.finished;
    const answers = new FirstN<Keyed>(this.maxListed, (x, y) => x.seq - y.seq);
    for (const d of this.changed.list()) answers.add(d);
    for (const q of this.waitingCaptured.values()) {
      for (const w of q) if (w.a.time <= until) answers.add({ kind: 'missing', frame: w.a.frame, text: `${answerLabel(w.a)} (capture frame ${w.a.frame}) was not sent now`, seq: w.seq, time: 0 });
    }
    const extra = new FirstN<Keyed>(this.maxListed, (x, y) => x.time - y.time || x.seq - y.seq);
    for (const q of this.waitingReceived.values()) {
      for (const r of q) extra.add({ kind: 'extra', frame: null, text: `${answerLabel(r.a)} sent now, not in the capture`, seq: r.seq, time: r.a.time });
    }
    this.waitingCaptured.clear();
    this.waitingReceived.clear();
    const listed = [...answers.list(), ...extra.list()].map(({ kind, frame, text }) => ({ kind, frame, text }));
    this.finished = { diffs: listed, notListed: this.changed.dropped + answers.dropped + extra.dropped };
    return this.finished;
  }
}

function take(m: Map<string, Fifo<Kept>>, k: string): Kept | undefined {
  const q = m.get(k);
  if (!q) return undefined;
  const x = q.shift();
  if (q.length === 0) m.delete(k);
  return x;
}

function put(m: Map<string, Fifo<Kept>>, k: string, x: Kept): void {
  let q = m.get(k);
  if (!q) m.set(k, (q = new Fifo<Kept>()));
  q.push(x);
}

/** Differences between captured answers and the answers received now. */
export function compareAnswers(captured: readonly Answer[], received: readonly Answer[]): Difference[] {
  const m = new AnswerMatcher();
  for (const a of captured) m.captured(a);
  for (const a of received) m.received(a);
  return m.finish().diffs;
}
