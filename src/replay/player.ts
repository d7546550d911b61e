// Play the client side of captured connections against a broker, with the
// original timing scaled (or as fast as causality allows), and collect the
// broker's answers through an Engine so they can be compared with the capture.
import net from 'node:net';
import { Engine } from '../engine/engine.js';
import type { ConnMeta } from '../model/types.js';
import { connId } from '../model/types.js';
import { answerOf, type Answer } from './answer.js';
import { rewriteClientId } from './client-id.js';
import { compareAnswers, type Difference } from './compare.js';
import type { ConnScript, LoadedCapture } from './load.js';

export interface ReplayOptions {
  host: string;
  port: number;
  /** Time scale (2 = twice as fast); 'max' = no delays beyond waiting for expected answers. */
  speed: number | 'max';
  /** Append this to every non-empty client id. */
  clientIdSuffix?: string;
  /** Longest wait for an expected answer before moving on. Default 1500 ms. */
  answerTimeoutMs?: number;
  /** Quiet time after the last event before the sockets are closed. Default 300 ms. */
  settleMs?: number;
  onProgress?: (doneBytes: number, packets: number) => void;
}

export interface ConnResult {
  script: ConnScript;
  received: Answer[];
  diffs: Difference[];
  /** Problems with the connection itself (refused, reset). */
  errors: string[];
}

export interface ReplayResult {
  conns: ConnResult[];
  identical: boolean;
}

interface Live {
  script: ConnScript;
  sock: net.Socket | null;
  meta: ConnMeta | null;
  received: Answer[];
  errors: string[];
  closed: boolean;
  /** Answers given up on after a timeout, subtracted from later expectations. */
  deficit: number;
  /** Captured answers with time ≤ t, by prefix count. */
  answerTimes: number[];
}

type Ev = { time: number; conn: Live; kind: 'send'; i: number } | { time: number; conn: Live; kind: 'close'; how: string };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function countUpTo(times: number[], t: number): number {
  let lo = 0, hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export async function replay(capture: LoadedCapture, opts: ReplayOptions): Promise<ReplayResult> {
  const timeout = opts.answerTimeoutMs ?? 1500;
  const settle = opts.settleMs ?? 300;
  const lives: Live[] = capture.conns.map((script) => ({
    script, sock: null, meta: null, received: [], errors: [], closed: false, deficit: 0,
    answerTimes: script.answers.map((a) => a.time),
  }));
  const byMeta = new Map<string, Live>();
  let wake: (() => void) | null = null;
  const poke = (): void => { const w = wake; wake = null; w?.(); };
  const engine = new Engine({
    onRecord: (rec) => {
      if (rec.kind !== 'packet' || rec.dir !== 's2c') return;
      const l = byMeta.get(rec.conn.id);
      if (l) { l.received.push(answerOf(rec)); poke(); }
    },
  });

  const events: Ev[] = [];
  for (const l of lives) {
    l.script.sent.forEach((p, i) => events.push({ time: p.time, conn: l, kind: 'send', i }));
    if (l.script.close) events.push({ time: l.script.close.time, conn: l, kind: 'close', how: l.script.close.how });
  }
  events.sort((a, b) => a.time - b.time || a.conn.script.index - b.conn.script.index || (a.kind === 'send' ? 0 : 1) - (b.kind === 'send' ? 0 : 1));

  /** Wait until every open connection has the answers the capture had by time t. */
  const waitAnswers = async (t: number): Promise<void> => {
    const deadline = Date.now() + timeout;
    for (;;) {
      const behind = lives.filter((l) => l.sock && !l.closed && l.received.length < countUpTo(l.answerTimes, t) - l.deficit);
      if (behind.length === 0) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        for (const l of behind) l.deficit = countUpTo(l.answerTimes, t) - l.received.length;
        return;
      }
      await new Promise<void>((r) => { wake = r; setTimeout(r, Math.min(left, 50)); });
    }
  };

  const openConn = (l: Live): Promise<void> => new Promise((resolve) => {
    const sock = net.connect({ host: opts.host, port: opts.port });
    sock.setNoDelay(true);
    l.sock = sock;
    sock.once('connect', () => {
      const client = { host: sock.localAddress ?? '127.0.0.1', port: sock.localPort ?? 0 };
      const server = { host: opts.host, port: opts.port };
      const meta: ConnMeta = { id: `${l.script.index}/${connId(client, server)}`, client, server, transport: 'tcp' };
      l.meta = meta;
      byMeta.set(meta.id, l);
      engine.open(meta, Date.now() * 1000);
      resolve();
    });
    sock.on('data', (chunk: Buffer) => {
      if (l.meta) engine.data(l.meta.id, 's2c', chunk, Date.now() * 1000);
    });
    sock.on('error', (err) => {
      l.errors.push(`${(err as NodeJS.ErrnoException).code ?? err.message}`);
      l.closed = true;
      resolve();
      poke();
    });
    sock.on('close', () => { l.closed = true; poke(); });
  });

  const t0 = capture.startTime;
  const wall0 = performance.now();
  let sentBytes = 0, sentPackets = 0;
  for (const ev of events) {
    if (opts.speed !== 'max') {
      const due = wall0 + (ev.time - t0) / 1000 / opts.speed;
      const d = due - performance.now();
      if (d > 0) await sleep(d);
    }
    await waitAnswers(ev.time - 1);
    const l = ev.conn;
    if (ev.kind === 'close') {
      if (l.sock && !l.closed) {
        if (ev.how === 'reset') l.sock.resetAndDestroy();
        else l.sock.end();
      }
      continue;
    }
    if (!l.sock) await openConn(l);
    if (l.closed || !l.sock) continue;
    const p = l.script.sent[ev.i]!;
    let bytes = p.bytes;
    if (p.type === 1 && opts.clientIdSuffix) {
      const sfx = opts.clientIdSuffix;
      bytes = rewriteClientId(bytes, (id) => (id === '' ? id : id + sfx)) ?? bytes;
    }
    l.sock.write(bytes);
    if (l.meta) engine.data(l.meta.id, 'c2s', bytes, Date.now() * 1000);
    sentBytes += bytes.length;
    sentPackets++;
    opts.onProgress?.(sentBytes, sentPackets);
  }
  // Let the last answers arrive, then wait for quiet.
  await waitAnswers(Number.POSITIVE_INFINITY);
  let lastCount = -1;
  for (;;) {
    const n = lives.reduce((s, l) => s + l.received.length, 0);
    if (n === lastCount) break;
    lastCount = n;
    await sleep(settle);
  }
  for (const l of lives) {
    if (l.sock && !l.closed) l.sock.destroy();
    if (l.meta) engine.close(l.meta.id, Date.now() * 1000, 'end');
  }
  const conns: ConnResult[] = lives.map((l) => ({
    script: l.script,
    received: l.received,
    diffs: compareAnswers(l.script.answers, l.received),
    // A reset by the broker shows up as missing answers; only report other socket errors.
    errors: l.errors.filter((e) => e !== 'ECONNRESET' && e !== 'EPIPE'),
  }));
  return { conns, identical: conns.every((c) => c.diffs.length === 0 && c.errors.length === 0) };
}
