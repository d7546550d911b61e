// Play the client side of captured connections against a broker, with the
// original timing scaled (or as fast as causality allows), and collect the
// broker's answers through an Engine so they can be compared with the capture.
import net from 'node:net';
import { Engine } from '../engine/engine.js';
import type { ConnMeta } from '../model/types.js';
import { connId } from '../model/types.js';
import { packetTypeName } from '../protocol/packet-types.js';
import { printable } from '../views/format.js';
import { answerOf } from './answer.js';
import { rewriteClientId } from './client-id.js';
import { withCredentials, type Credentials, type CredentialsFor } from './credentials.js';
import { withoutTopicAlias } from './topic-alias.js';
import { capturedEnd, describeBrokerClose, newTrail, refusedConnack, type BrokerClose, type PlayTrail } from './closing.js';
import type { Difference } from './compare.js';
import { DeliveryTracker, withPacketId, type Delivery } from './deliveries.js';
import { MAX_DIFFERENCES_LISTED, type CaptureScripts, type ConnScript, type ScriptEvent, type ScriptPacket } from './load.js';
import { FirstN } from './queue.js';

export interface ReplayOptions {
  host: string;
  port: number;
  /** Time scale (2 = twice as fast); 'max' = no delays beyond waiting for expected answers. */
  speed: number | 'max';
  /** Append this to every non-empty client id. */
  clientIdSuffix?: string;
  /**
   * User name and password put in every CONNECT instead of the captured ones; or,
   * per connection, a function of the captured user name (null from it: the
   * CONNECT is sent as captured).
   */
  credentials?: Credentials | CredentialsFor;
  /** Longest wait for an expected answer before moving on. Default 1500 ms. */
  answerTimeoutMs?: number;
  /** Quiet time after the last event before the sockets are closed. Default 300 ms. */
  settleMs?: number;
  /**
   * Longest time the broker gets to react to a connection's unanswered last
   * packets before the client sends DISCONNECT or closes, so that a broker that
   * drops the connection over one of them is seen doing so. The wait is three
   * times the connection's CONNECT → first answer time, at least 20 ms and at
   * most this. Default 100 ms (never more than the answer timeout).
   */
  closeGraceMs?: number;
  /** Bytes and packets written so far. */
  onProgress?: (doneBytes: number, packets: number) => void;
  /**
   * Stops the replay early (Ctrl-C): nothing more is sent, held acks are given
   * up, the sockets are closed at once and the result covers what was played.
   */
  signal?: AbortSignal;
}

/** What the report needs of a connection's script, kept once the connection is done (not its answers or queues). */
export type ConnSummary = Pick<ConnScript, 'index' | 'meta' | 'clientId' | 'version' | 'sentCount' | 'answerCount' | 'firstSent' | 'gapBeforeFirstSent' | 'answersGap'>;

export interface ConnResult {
  script: ConnSummary;
  /** Answers the broker sent now. */
  received: number;
  /** Script packets actually written to the broker. */
  sent: number;
  /** The differences, at most MAX_DIFFERENCES_LISTED of them. */
  diffs: Difference[];
  /** Differences past those listed. */
  diffsNotListed: number;
  /** Problems with the connection itself (refused, reset): socket error codes such as ECONNREFUSED. */
  errors: string[];
  /**
   * The TCP connection to the broker was made. When it was not (the broker went
   * away during the replay), the captured answers are not listed as missing:
   * the error says it all.
   */
  connected: boolean;
  /** The live broker closed the connection before the client was done with it. */
  brokerClose: BrokerClose | null;
  /** Live QoS 1/2 deliveries still kept at the end because the script had not completed them. */
  deliveriesKept: number;
}

export interface ReplayResult {
  conns: ConnResult[];
  identical: boolean;
  /**
   * Set when the broker could not be reached at all: the first connection failed
   * to connect (the socket error code, e.g. ECONNREFUSED) and the replay stopped there.
   */
  unreachable?: string;
  /** Set when `signal` stopped the replay before the end of the capture. */
  interrupted?: boolean;
}

interface Held {
  ev: ScriptEvent;
  /** When this packet became the head of the queue (performance.now()). */
  since: number;
  /** The ack whose delivery did not come in time, which started the queue. */
  timedOut: boolean;
}

interface Live {
  script: ConnScript;
  sock: net.Socket | null;
  meta: ConnMeta | null;
  /** Answers received now (compared with the captured ones by script.answers as they come). */
  received: number;
  errors: string[];
  closed: boolean;
  /** Answers given up on after a timeout, subtracted from later expectations. */
  deficit: number;
  /** The live broker's deliveries on this connection. */
  deliveries: DeliveryTracker;
  sent: number;
  openedAt: number;
  firstWrite: number;
  lastWrite: number;
  lastAnswer: number;
  /** When a packet the dissector flagged with an error was written (0: none since the last answer). */
  flaggedWrite: number;
  /** Milliseconds from the first packet written to the first answer (null: no answer yet). */
  roundTrip: number | null;
  /** The replay closed (or is closing) the socket. */
  ending: boolean;
  disconnectSent: boolean;
  brokerClose: BrokerClose | null;
  /**
   * Packets held back because an ack's delivery had not arrived in time: the
   * rest of this connection's script waits behind it, in order.
   */
  held: Held[];
  drainScheduled: boolean;
  drainTimer: NodeJS.Timeout | null;
  /** Differences found while playing (late or unsent acks). */
  playDiffs: FirstN<Difference>;
  /** What the report on a close needs of the packets written. */
  trail: PlayTrail;
  /** The live broker refused the CONNECT or sent DISCONNECT. */
  brokerEnded: boolean;
  /** Writes are being gathered (socket.cork) until the next turn of the event loop. */
  corked: boolean;
  /** Topic Alias Maximum of the live broker's CONNACK (0 when it has none; null: no CONNACK yet). */
  topicAliasMax: number | null;
  /** The live broker accepted the CONNECT (a CONNACK with code 0). */
  accepted: boolean;
  /** The capture's close of this connection was played: no more of its script will come. */
  closePlayed: boolean;
  /** The CONNECT was sent with other credentials than the captured ones (its AUTH packets are not sent). */
  credsReplaced: boolean;
}


/** What a client ack waits for: the live delivery (PUBACK, PUBREC) or its PUBREL (PUBCOMP). */
function ackTarget(l: Live, p: ScriptPacket): Delivery | null {
  if (!p.acks) return null;
  const d = l.deliveries.counterpart(p.acks);
  if (!d) return null;
  return p.type === 7 && !d.pubrel ? null : d;
}

function awaited(p: ScriptPacket): string {
  const d = p.acks!;
  return p.type === 7
    ? `the broker's PUBREL for '${printable(d.topic)}' QoS ${d.qos} (delivered in capture frame ${d.frame})`
    : `the broker's delivery of '${printable(d.topic)}' QoS ${d.qos} (capture frame ${d.frame})`;
}

/** DISCONNECT with no reason code: in MQTT 5 a Remaining Length of 0 means 0x00 Normal disconnection [MQTT 5.0 §3.14.2.1]. */
const DISCONNECT = Uint8Array.from([0xe0, 0x00]);
/** Longest wait, at the end, for the broker to close the connections sent a DISCONNECT. */
const END_CLOSE_MS = 1000;

/**
 * The end of a replay, stopped early or with connections the capture left open:
 * a connection the broker accepted and that the script had not ended is sent
 * DISCONNECT before it is closed, so that the broker discards its will
 * [MQTT-3.1.2-10] (a plain close would publish it on the user's broker, which
 * the capture never showed). MQTT 5 reason 0x00 (Normal), not 0x04 (with will
 * message). The sockets still open after a short wait are destroyed by the caller.
 */
async function disconnectOpen(lives: Iterable<Live>): Promise<void> {
  const ending: Promise<void>[] = [];
  for (const l of lives) {
    const sock = l.sock;
    if (!sock || l.closed || l.ending || !l.accepted || l.disconnectSent || l.brokerEnded || l.brokerClose || !sock.writable) continue;
    l.ending = true;
    l.disconnectSent = true;
    if (l.corked) { l.corked = false; sock.uncork(); }
    ending.push(new Promise<void>((r) => { if (l.closed) r(); else sock.once('close', () => r()); }));
    sock.end(DISCONNECT);
  }
  if (ending.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(ending), new Promise<void>((r) => { timer = setTimeout(r, END_CLOSE_MS); })]);
  clearTimeout(timer);
}

/**
 * Play a capture, read as it is played (see CaptureScripts), against a broker.
 * Connections are opened when their first packet is due; answers are compared
 * as they come, so what is kept per connection is counts and the differences.
 */
export async function replay(capture: CaptureScripts, opts: ReplayOptions): Promise<ReplayResult> {
  const timeout = opts.answerTimeoutMs ?? 1500;
  const settle = opts.settleMs ?? 300;
  const grace = Math.min(opts.closeGraceMs ?? 100, timeout);
  /** Connections started and not done yet (see finishIfDone). */
  const lives = new Set<Live>();
  const liveOf = new Map<ConnScript, Live>();
  /** Connections whose socket is open (the ones answers are awaited on). */
  const open = new Set<Live>();
  const live = (script: ConnScript): Live => {
    let l = liveOf.get(script);
    if (!l) {
      l = {
        script, sock: null, meta: null, received: 0, errors: [], closed: false, deficit: 0,
        deliveries: new DeliveryTracker(), sent: 0, openedAt: 0, firstWrite: 0, lastWrite: 0, lastAnswer: 0, flaggedWrite: 0, roundTrip: null,
        ending: false, disconnectSent: false, brokerClose: null, held: [], drainScheduled: false, drainTimer: null,
        playDiffs: new FirstN<Difference>(MAX_DIFFERENCES_LISTED), trail: newTrail(), brokerEnded: false, corked: false, topicAliasMax: null, accepted: false, closePlayed: false, credsReplaced: false,
      };
      liveOf.set(script, l);
      lives.add(l);
    }
    return l;
  };
  const byMeta = new Map<string, Live>();
  let wake: (() => void) | null = null;
  const poke = (): void => { const w = wake; wake = null; w?.(); };
  const stopped = (): boolean => opts.signal?.aborted === true;
  /** Ends the current sleep early when the replay is stopped. */
  let sleeping: (() => void) | null = null;
  const sleep = (ms: number): Promise<void> => new Promise((r) => {
    if (stopped()) { r(); return; }
    const t = setTimeout(() => { sleeping = null; r(); }, ms);
    sleeping = () => { clearTimeout(t); sleeping = null; r(); };
  });
  const onAbort = (): void => {
    // Held packets are given up now: when they fill the read-ahead cap, the
    // reader waits for one of them to be let go before it hands out anything.
    for (const l of lives) {
      if (l.drainTimer) { clearTimeout(l.drainTimer); l.drainTimer = null; }
      for (const h of l.held.splice(0)) capture.release(h.ev);
    }
    sleeping?.();
    poke();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const engine = new Engine({
    onRecord: (rec) => {
      if (rec.kind !== 'packet' || rec.dir !== 's2c') return;
      const l = byMeta.get(rec.conn.id);
      if (!l) return;
      const a = answerOf(rec);
      l.lastAnswer = performance.now();
      if (l.roundTrip === null && l.firstWrite > 0) l.roundTrip = l.lastAnswer - l.firstWrite;
      if (a.type === 3 && a.qos > 0 && a.packetId !== null) l.deliveries.publish(a.topic ?? '', a.qos, a.packetId, 0, a.retain);
      else if (a.type === 6 && a.packetId !== null) l.deliveries.pubrel(a.packetId);
      l.received++;
      if (refusedConnack(a) || a.type === 14) l.brokerEnded = true;
      if (a.type === 2) {
        l.accepted = !refusedConnack(a);
        const max = rec.summary.properties?.['topic_alias_maximum'];
        l.topicAliasMax = typeof max === 'number' ? max : 0;
      }
      l.script.answers.received(a);
      scheduleDrain(l);
      poke();
    },
  });

  /** Wait until `cond` holds or the deadline passes; true when it holds. */
  const waitFor = async (cond: () => boolean, deadline: number): Promise<boolean> => {
    for (;;) {
      if (cond()) return true;
      if (stopped()) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => { wake = r; setTimeout(r, Math.min(left, 50)); });
    }
  };

  /** Wait until every open connection has the answers the capture had by time t. */
  const waitAnswers = async (t: number, deadline: number): Promise<void> => {
    const behind = (l: Live): boolean => !l.closed && l.held.length === 0 && l.received < capture.dueAnswers(l.script, t) - l.deficit;
    const anyBehind = (): boolean => {
      for (const l of open) if (behind(l)) return true;
      return false;
    };
    if (await waitFor(() => !anyBehind(), deadline)) return;
    for (const l of open) if (behind(l)) l.deficit = capture.dueAnswers(l.script, t) - l.received;
  };

  /** The socket is gone: no answers are awaited on it any more. */
  const gone = (l: Live): void => {
    l.closed = true;
    open.delete(l);
    l.script.awaitingAnswers = false;
    while (l.script.pendingAnswerTimes.length > 0) l.script.pendingAnswerTimes.shift();
  };

  /** Results of the connections already done, and the answers they received (for the final quiet wait). */
  const done: ConnResult[] = [];
  let receivedDone = 0;
  /**
   * A connection whose captured close was played, whose socket is closed and
   * which holds nothing back cannot change any more: its result is made now and
   * everything else about it (socket, decoder state, trackers, the script's
   * queues) is let go, so that memory does not grow with the number of
   * connections in the capture (only the report's record of each is kept).
   */
  const finishIfDone = (l: Live): void => {
    if (!l.closePlayed || !l.closed || l.held.length > 0 || !liveOf.has(l.script)) return;
    if (l.drainTimer) { clearTimeout(l.drainTimer); l.drainTimer = null; }
    if (l.meta) {
      engine.close(l.meta.id, Date.now() * 1000, 'end');
      byMeta.delete(l.meta.id);
    }
    liveOf.delete(l.script);
    lives.delete(l);
    receivedDone += l.received;
    // Every captured answer is earlier than the close just played: none is later than playedUntil.
    done.push(resultOf(l, undefined));
  };

  const brokerClosed = (l: Live, how: 'fin' | 'reset'): void => {
    if (l.ending || l.disconnectSent || l.brokerClose) return;
    l.brokerClose = { how, afterMs: Math.round(performance.now() - l.openedAt), afterSent: l.sent };
  };

  const openConn = (l: Live): Promise<void> => new Promise((resolve) => {
    const sock = net.connect({ host: opts.host, port: opts.port });
    sock.setNoDelay(true);
    l.sock = sock;
    open.add(l);
    sock.once('connect', () => {
      const client = { host: sock.localAddress ?? '127.0.0.1', port: sock.localPort ?? 0 };
      const server = { host: opts.host, port: opts.port };
      const meta: ConnMeta = { id: `${l.script.index}/${connId(client, server)}`, client, server, transport: 'tcp' };
      l.meta = meta;
      l.openedAt = performance.now();
      byMeta.set(meta.id, l);
      engine.open(meta, Date.now() * 1000);
      resolve();
    });
    sock.on('data', (chunk: Buffer) => {
      if (l.meta) engine.data(l.meta.id, 's2c', chunk, Date.now() * 1000);
    });
    sock.on('end', () => { brokerClosed(l, 'fin'); poke(); });
    sock.on('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code ?? err.message;
      if (code === 'ECONNRESET' && l.meta) brokerClosed(l, 'reset');
      l.errors.push(code);
      gone(l);
      resolve();
      poke();
    });
    sock.on('drain', poke);
    sock.on('close', () => { gone(l); scheduleDrain(l); finishIfDone(l); poke(); });
  });

  let sentBytes = 0, sentPackets = 0;
  /**
   * A packet the player is done with without writing it: the report lists it
   * as not sent when the broker had closed the connection.
   */
  const skipped = (l: Live, p: ScriptPacket): void => {
    if (!l.brokerClose) return;
    if (l.trail.unsent.length < 3) l.trail.unsent.push({ type: p.type, frame: p.frame });
    l.trail.unsentCount++;
  };

  /** Write one script packet, with the live ids for acks; false when the socket is gone. */
  const write = (l: Live, p: ScriptPacket): boolean => {
    if (!l.sock || l.closed || l.brokerClose || !l.sock.writable) {
      skipped(l, p);
      return false;
    }
    if (p.type === 15 && l.credsReplaced) {
      // The CONNECT went without the captured Authentication Method and Data (credentials.ts):
      // this AUTH would send the captured Authentication Data to this broker.
      notSent(l, p, 'it carries the captured Authentication Data, which --username replaces (the CONNECT was sent without Authentication Method and Data)');
      return false;
    }
    let bytes = p.bytes;
    if (p.type === 1 && opts.clientIdSuffix) {
      const sfx = opts.clientIdSuffix;
      bytes = rewriteClientId(bytes, (id) => (id === '' ? id : id + sfx)) ?? bytes;
    }
    const creds = p.type === 1 && opts.credentials
      ? (typeof opts.credentials === 'function' ? opts.credentials(l.script.username, bytes) : opts.credentials)
      : null;
    if (creds) {
      const withCreds = withCredentials(bytes, creds);
      if (!withCreds) {
        // Sent as captured it would carry the captured credentials to this broker.
        notSent(l, p, 'the CONNECT could not be parsed to its end to put the given user name and password in, and as captured it would carry the captured ones; the connection was closed');
        endSocket(l, 'fin');
        return false;
      }
      bytes = withCreds;
      l.credsReplaced = true;
    }
    // A Topic Alias above the live broker's maximum would make it close the
    // connection (DISCONNECT 0x94): send the topic it stands for instead.
    const ta = p.topicAlias;
    if (ta && l.topicAliasMax !== null && ta.alias > l.topicAliasMax) bytes = withoutTopicAlias(bytes, ta.topic) ?? bytes;
    const target = ackTarget(l, p);
    if (target && target.packetId !== p.acks!.packetId) bytes = withPacketId(bytes, target.packetId);
    // Writes are gathered until the player yields to the event loop (one system
    // call for a run of packets sent back to back, as at max speed).
    if (!l.corked) {
      const sock = l.sock;
      sock.cork();
      l.corked = true;
      setImmediate(() => { if (l.corked) { l.corked = false; sock.uncork(); } });
    }
    l.sock.write(bytes);
    // A PUBACK, or a PUBCOMP, ends the delivery's flow: nothing later names it.
    if (target && (p.type === 4 || p.type === 7)) l.deliveries.done(target);
    if (l.meta) engine.data(l.meta.id, 'c2s', bytes, Date.now() * 1000);
    l.sent++;
    l.lastWrite = performance.now();
    if (l.firstWrite === 0) l.firstWrite = l.lastWrite;
    if (p.errors.length > 0) l.flaggedWrite = l.lastWrite;
    if (p.type === 14) l.disconnectSent = true;
    const ref = { type: p.type, frame: p.frame, errors: p.errors };
    l.trail.lastWritten = ref;
    if (p.errors.length > 0 && !l.trail.firstFlagged) l.trail.firstFlagged = ref;
    sentBytes += bytes.length;
    sentPackets++;
    opts.onProgress?.(sentBytes, sentPackets);
    return true;
  };

  const endSocket = (l: Live, how: string): void => {
    if (!l.sock || l.closed) return;
    l.ending = true;
    if (l.corked) { l.corked = false; l.sock.uncork(); }
    if (how === 'reset') l.sock.resetAndDestroy();
    else l.sock.end();
  };

  const notSent = (l: Live, p: ScriptPacket, why: string): void => {
    skipped(l, p);
    l.playDiffs.add({ kind: 'not-sent', frame: p.frame, text: `${packetTypeName(p.type)} (capture frame ${p.frame}): ${why}` });
  };

  /**
   * Send what a held connection can send now. An ack at the head waits for its
   * delivery up to the answer timeout (from when it reached the head), then it
   * is dropped; `force` (end of the replay) drops it at once.
   */
  const drain = (l: Live, force = false): void => {
    if (stopped()) return;
    while (l.held.length > 0) {
      const h = l.held[0]!;
      if (h.ev.kind === 'close') {
        l.held.shift();
        capture.release(h.ev);
        endSocket(l, h.ev.how);
        continue;
      }
      const p = h.ev.packet;
      if (p.acks && !l.closed && !ackTarget(l, p)) {
        const left = h.since + timeout - performance.now();
        if (!force && left > 0) {
          if (!l.drainTimer) l.drainTimer = setTimeout(() => { l.drainTimer = null; drain(l); poke(); }, Math.ceil(left));
          return;
        }
        l.held.shift();
        capture.release(h.ev);
        notSent(l, p, `${awaited(p)} did not come within the ${timeout} ms answer timeout`);
      } else {
        l.held.shift();
        capture.release(h.ev);
        const late = Math.round(performance.now() - h.since);
        if (write(l, p) && h.timedOut) {
          l.playDiffs.add({
            kind: 'late', frame: p.frame,
            text: `${packetTypeName(p.type)} (capture frame ${p.frame}) answers ${awaited(p)}, which the broker had not sent ${timeout} ms after the capture's order called for it; it came ${late} ms after that and the ${packetTypeName(p.type)} was held back until then`,
          });
        }
      }
      if (l.held[0]) l.held[0].since = performance.now();
    }
    finishIfDone(l);
  };
  function scheduleDrain(l: Live): void {
    if (l.held.length === 0 || l.drainScheduled) return;
    l.drainScheduled = true;
    // Not from inside the engine's callback: writing feeds the engine again.
    setImmediate(() => { l.drainScheduled = false; drain(l); poke(); });
  }

  /**
   * Give the broker a moment to react to unanswered last packets before the
   * client ends the connection (a broker that drops it over a malformed packet
   * would otherwise get the DISCONNECT first, and the close would look normal).
   */
  const closeGrace = async (l: Live): Promise<void> => {
    await flaggedGrace(l);
    if (l.disconnectSent || l.lastAnswer >= l.lastWrite) return;
    const wait = l.roundTrip === null ? grace : Math.min(grace, Math.max(20, 3 * l.roundTrip));
    const until = l.lastWrite + wait;
    while (!l.closed && !l.brokerClose && performance.now() < until) {
      await new Promise<void>((r) => { wake = r; setTimeout(r, Math.max(1, until - performance.now())); });
    }
  };

  /**
   * After a packet the dissector flagged as malformed, a broker is likely to
   * close the connection [MQTT-4.8.0-1]: before the next packet, wait up to the
   * answer timeout for the close or for any answer that shows it carried on.
   */
  const flaggedGrace = async (l: Live): Promise<void> => {
    if (l.flaggedWrite === 0 || l.lastAnswer > l.flaggedWrite) return;
    const since = l.flaggedWrite;
    await waitFor(() => l.closed || l.brokerClose !== null || l.lastAnswer > since, Date.now() + timeout);
    l.flaggedWrite = 0;
  };

  let t0 = 0;
  /** Capture time of the last event played (a stopped replay compares the answers due by then). */
  let playedUntil = Number.NEGATIVE_INFINITY;
  let wall0 = 0;
  let anyConnected = false;
  let unreachable: string | undefined;
  try {
  for (let ev = await capture.next(); ev !== null; ev = await capture.next()) {
    if (capture.stats.eventsOut === 1) {
      t0 = capture.startTime;
      wall0 = performance.now();
    }
    if (opts.speed !== 'max') {
      const due = wall0 + (ev.time - t0) / 1000 / opts.speed;
      const d = due - performance.now();
      if (d > 0) await sleep(d);
    }
    if (stopped()) {
      capture.release(ev);
      break;
    }
    playedUntil = ev.time;
    const l = live(ev.script);
    const deadline = Date.now() + timeout;
    await waitAnswers(ev.time - 1, deadline);
    if (l.held.length > 0) {
      if (ev.kind === 'close') l.closePlayed = true;
      l.held.push({ ev, since: performance.now(), timedOut: false });
      continue;
    }
    if (ev.kind === 'close') {
      capture.release(ev);
      l.closePlayed = true;
      if (!l.sock || l.closed) { finishIfDone(l); continue; }
      // A captured broker that closed (refused CONNACK, DISCONNECT): when the
      // live broker gave the same answer, it should close too.
      if (capturedEnd(l.script).by === 'broker' && l.brokerEnded) {
        await waitFor(() => l.closed || l.brokerClose !== null, deadline);
      }
      await closeGrace(l);
      endSocket(l, ev.how);
      continue;
    }
    if (!l.sock) {
      await openConn(l);
      if (l.meta) anyConnected = true;
      else if (!anyConnected) {
        // Not one connection reached the broker: stop instead of failing every connection in turn.
        unreachable = l.errors[0] ?? 'no connection';
        capture.release(ev);
        break;
      }
    }
    const p = ev.packet;
    if (l.closed || l.brokerClose || !l.sock) {
      skipped(l, p);
      capture.release(ev);
      continue;
    }
    if (p.acks && !(await waitFor(() => l.closed || ackTarget(l, p) !== null, deadline))) {
      l.held.push({ ev, since: performance.now(), timedOut: true });
      // Arm the give-up timer now: no answer may ever come on this connection
      // to schedule a drain, and once held packets fill the read-ahead cap the
      // reader waits for one of them to be let go.
      drain(l);
      continue;
    }
    if (p.type === 14) await closeGrace(l);
    else await flaggedGrace(l);
    // Backpressure: at max speed the broker may read slower than the script is written.
    const sock = l.sock;
    if (sock.writableNeedDrain) await waitFor(() => l.closed || !sock.writableNeedDrain, Date.now() + timeout);
    write(l, p);
    capture.release(ev);
  }
  } finally {
    capture.destroy();
  }
  // Let the last answers arrive (and held packets go out), then wait for quiet.
  const end = Date.now() + timeout;
  await waitAnswers(Number.POSITIVE_INFINITY, end);
  await waitFor(() => [...lives].every((l) => l.held.length === 0), end);
  for (const l of lives) {
    if (l.drainTimer) clearTimeout(l.drainTimer);
    drain(l, true);
    // Stopped: the held packets are not sent.
    for (const h of l.held.splice(0)) capture.release(h.ev);
  }
  // Quiet: nothing new for `settle` ms. A live broker may keep delivering to a
  // connection the capture left open, so the wait is capped at `timeout`.
  let lastCount = -1;
  const quietBy = Date.now() + Math.max(timeout, settle);
  for (;;) {
    let n = receivedDone;
    for (const l of lives) n += l.received;
    if (n === lastCount || Date.now() >= quietBy || stopped()) break;
    lastCount = n;
    await sleep(settle);
  }
  opts.signal?.removeEventListener('abort', onAbort);
  const interrupted = stopped();
  await disconnectOpen(lives);
  for (const l of lives) {
    if (l.sock && !l.closed) { l.ending = true; l.sock.destroy(); }
    if (l.meta) engine.close(l.meta.id, Date.now() * 1000, 'end');
  }
  const conns = done;
  for (const l of lives) conns.push(resultOf(l, interrupted ? playedUntil : undefined));
  conns.sort((a, b) => a.script.index - b.script.index);
  const identical = !interrupted && unreachable === undefined && conns.every((c) => c.diffs.length === 0 && c.diffsNotListed === 0 && c.errors.length === 0);
  const res: ReplayResult = { conns, identical };
  if (unreachable !== undefined) res.unreachable = unreachable;
  if (interrupted) res.interrupted = true;
  return res;
}

/** A connection's result; `until`: a stopped replay's last capture time played. */
function resultOf(l: Live, until: number | undefined): ConnResult {
  const diffs: Difference[] = [];
  const closeText = l.sock && l.meta ? describeBrokerClose(l.script, l.brokerClose, l.ending, l.trail) : null;
  if (closeText) diffs.push({ kind: 'closed', frame: null, text: closeText });
  const connected = l.meta !== null;
  const answers = connected ? l.script.answers.finish(until) : { diffs: [], notListed: 0 };
  diffs.push(...l.playDiffs.list(), ...answers.diffs);
  let notListed = l.playDiffs.dropped + answers.notListed;
  if (diffs.length > MAX_DIFFERENCES_LISTED) {
    notListed += diffs.length - MAX_DIFFERENCES_LISTED;
    diffs.length = MAX_DIFFERENCES_LISTED;
  }
  const s = l.script;
  return {
    script: {
      index: s.index, meta: s.meta, clientId: s.clientId, version: s.version, sentCount: s.sentCount,
      answerCount: s.answerCount, firstSent: s.firstSent, gapBeforeFirstSent: s.gapBeforeFirstSent, answersGap: s.answersGap,
    },
    received: l.received,
    sent: l.sent,
    diffs,
    diffsNotListed: notListed,
    // A reset by the broker is reported as a close; only report other socket errors.
    errors: l.errors.filter((e) => e !== 'ECONNRESET' && e !== 'EPIPE'),
    connected,
    brokerClose: l.brokerClose,
    deliveriesKept: l.deliveries.kept,
  };
}
