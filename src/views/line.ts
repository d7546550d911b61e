// The line view: one readable line per packet, in the spirit of
// `mosquitto_pub -d` but with time, frame, client, direction, flags, ids,
// topic, sizes, reason codes in words and note markers; findings as a
// highlighted `!! code  text` line.
//
//   18:00:01.524 #7    p-deny   → PUBLISH     d0 q0 r0  panama/colon/user1  len=25 payload=5 "hello"
//   18:00:02.024 !! undelivered-publish  The broker accepted this QoS 0 publish … (frame #7)
import type { Finding, PacketRecord, SubscriptionRequest, SummaryRecord } from '../model/packet.js';
import type { ConnMeta, Note, ProtocolVersion } from '../model/types.js';
import { palette, type Palette } from './color.js';
import {
  clientAddress, clientLabel, clockTime, ellipsis, payloadPreview, publishPreview, reasonCodeString, reasonFailed, reasonWords,
  printable, severityMark, typeName, versionName, type ClockOptions,
} from './format.js';
import type { View, ViewOptions } from './index.js';

const CONNECT = 1, CONNACK = 2, PUBLISH = 3, SUBACK = 9, SUBSCRIBE = 8, UNSUBSCRIBE = 10, DISCONNECT = 14;

/** The parts of a packet line, also used as table columns. */
export interface PacketParts {
  frame: string;
  time: string;
  client: string;
  arrow: string;
  type: string;
  /** `d0 q1 r0` for PUBLISH, else ''. */
  flags: string;
  /** `id=1` or ''. */
  id: string;
  /** PUBLISH topic, or the SUBSCRIBE/UNSUBSCRIBE filters. */
  topic: string;
  /** `len=20` (Remaining Length). */
  len: string;
  /** `payload=7 "Turn On"` for PUBLISH. */
  payload: string;
  /** `rc=0x87 Not authorized` where the packet has reason codes. */
  reason: string;
  /** True when a reason code means failure. */
  failed: boolean;
  /** Type-specific details: CONNECT version/user/keep-alive, CONNACK session present. */
  detail: string;
  /** Warn/error note markers: `⚠ qos-3`. */
  notes: string;
  /** The worst note severity, or null. */
  noteSeverity: Note['severity'] | null;
}

export interface PartsOptions extends ClockOptions {
  showSecrets?: boolean;
  /** Longest payload preview in characters (default 32). */
  previewChars?: number;
  /**
   * Longest user name, will topic and assigned client id in `detail` (default: whole),
   * each cut with `…` on its own, so the flags after them (a will's QoS, retain and
   * size) stay in a table cell of bounded width.
   */
  valueChars?: number;
}

export function quoteTopic(t: string): string {
  // Plain topics read best unquoted; quote when empty or when spaces would confuse.
  return t === '' || /[\s"]/.test(t) ? JSON.stringify(t) : t;
}

/**
 * The MQTT 5 subscription options that differ from their defaults, as MQTT.js names
 * them: ` nl` (No Local), ` rap` (Retain As Published), ` rh=1`/` rh=2` (Retain
 * Handling) [MQTT-3.8.3.1]. Each changes what the broker delivers, so the line names them.
 */
function subscriptionOptions(x: SubscriptionRequest): string {
  return `${x.noLocal ? ' nl' : ''}${x.retainAsPublished ? ' rap' : ''}${x.retainHandling !== 0 ? ` rh=${x.retainHandling}` : ''}`;
}

/** `expiry=300` (`never` for 0xFFFFFFFF) from an MQTT 5 Session Expiry Interval property, or ''. */
function expiry(rec: PacketRecord): string {
  const sei = rec.summary.properties?.['session_expiry_interval'];
  return typeof sei === 'number' ? `expiry=${sei === 0xffffffff ? 'never' : sei}` : '';
}

/** One filter of a SUBSCRIBE as a line shows it: `ok/x q1 nl rap rh=2`. */
export function subscriptionEntry(x: SubscriptionRequest, v: ProtocolVersion): string {
  return `${quoteTopic(x.filter)} q${x.qos}${v >= 5 ? subscriptionOptions(x) : ''}`;
}

/** Split a packet into display parts (no colour). */
export function packetParts(rec: PacketRecord, opts: PartsOptions = {}): PacketParts {
  const s = rec.summary;
  const type = s.type;
  const v = rec.version;
  let topic = '';
  let payload = '';
  let detail = '';
  if (type === PUBLISH) {
    const t = rec.topic ?? s.topic;
    topic = t === null ? '' : quoteTopic(t);
    if (s.topicAlias !== null) topic = `${topic}${topic ? ' ' : ''}(alias ${s.topicAlias})`;
    if (s.payloadLength !== null) {
      const prev = publishPreview(rec, opts.previewChars ?? 32);
      payload = `payload=${s.payloadLength}${prev ? ` ${prev}` : ''}`;
    }
  } else if (type === SUBSCRIBE && s.subscriptions) {
    topic = shortList(s.subscriptions, s.filtersNotListed, (x) => subscriptionEntry(x, v));
  } else if (type === UNSUBSCRIBE && s.unsubscriptions) {
    topic = shortList(s.unsubscriptions, s.filtersNotListed, quoteTopic);
  }
  if (type === CONNECT && s.connect) {
    const c = s.connect;
    const cut = (x: string): string => (opts.valueChars === undefined ? x : ellipsis(x, opts.valueChars));
    const v5 = c.protocolLevel >= 5;
    // MQTT 5 splits 3.1.1's Clean Session in two: Clean Start, and the Session Expiry
    // Interval (absent = 0: the session ends with the connection [MQTT-3.1.2-23]). A
    // Clean Start 0 CONNECT without one is not a persistent session, so 5.0 is not
    // called `persistent`: it names the flag and the interval.
    const bits = [`MQTT ${versionName(c.protocolLevel)}`, v5 ? (c.cleanSession ? 'clean-start' : 'no-clean-start') : c.cleanSession ? 'clean' : 'persistent', `ka=${c.keepAlive}`];
    const exp = v5 ? expiry(rec) : '';
    if (exp) bits.push(exp);
    if (c.clientIdMissing === true) bits.push('client-id=?');
    else if (c.clientId === '') bits.push('client-id=""');
    if (c.username !== null) bits.push(`user=${cut(c.username)}`);
    if (c.password !== null) bits.push(`pw=${opts.showSecrets ? payloadPreview(c.password, 64) : '********'}`);
    // The will's payload size as mosquitto's log gives it: `Will message specified (4 bytes) (r1, q1).`
    if (c.will) bits.push(`will=${quoteTopic(cut(c.will.topic))} q${c.will.qos}${c.will.retain ? ' r1' : ''} (${c.will.payload.length} bytes)`);
    detail = bits.join(' ');
  } else if (type === CONNACK && s.connack) {
    detail = `sp=${s.connack.sessionPresent ? 1 : 0}`;
    const aci = s.properties?.['assigned_client_identifier'];
    const exp = expiry(rec);
    if (exp) detail += ` ${exp}`;
    if (typeof aci === 'string') detail += ` assigned-id=${opts.valueChars === undefined ? aci : ellipsis(aci, opts.valueChars)}`;
  }
  else if (type === DISCONNECT) {
    // A client may change the interval as it leaves (MQTT 5 §3.14.2.2.2; 0 ends the session now).
    detail = expiry(rec);
  }
  let reason = '';
  let failed = false;
  if (s.reasonCodes && s.reasonCodes.length > 0) {
    const codes = s.reasonCodes;
    failed = codes.some((c) => reasonFailed(type, c, v));
    if (type === SUBACK || codes.length > 1) {
      reason = 'rc=' + shortList(codes, s.filtersNotListed, (c) => `${reasonCodeString(type, c, v)} ${reasonWords(type, c, v)}`);
      // The codes past the shown ones are only counted: say how many of them failed, so a
      // SUBACK whose refusals all come after code 20 does not read as all granted.
      let hiddenFailed = 0;
      for (let i = LINE_LIST_MAX; i < codes.length; i++) if (reasonFailed(type, codes[i]!, v)) hiddenFailed++;
      if (hiddenFailed > 0) {
        reason += ` (${s.filtersNotListed ? 'at least ' : ''}${hiddenFailed} of them ${type === SUBACK ? 'refused' : 'failed'})`;
      }
    } else {
      reason = `rc=${reasonCodeString(type, codes[0]!, v)} ${reasonWords(type, codes[0]!, v)}`;
    }
  }
  else if (v < 5 && (type === 4 || type === 5 || type === 7)) {
    // MQTT 3.1.1 acks have no reason code: receiving one means success.
    reason = 'ok (3.1.1 acks carry no reason code)';
  }
  const rs = s.properties?.['reason_string'];
  if (typeof rs === 'string') reason += `${reason ? ' ' : ''}(${JSON.stringify(rs)})`;
  let noteSeverity: PacketParts['noteSeverity'] = null;
  const marks: string[] = [];
  for (const n of rec.notes) {
    if (n.severity === 'info') continue;
    if (n.severity === 'error' || noteSeverity === null) noteSeverity = n.severity;
    const m = `${severityMark(n.severity)} ${n.code}`;
    if (!marks.includes(m)) marks.push(m);
  }
  return {
    frame: `#${rec.frame}`,
    time: clockTime(rec.time, opts),
    client: printable(clientLabel(rec)),
    arrow: rec.dir === 'c2s' ? '→' : '←',
    type: typeName(rec),
    flags: type === PUBLISH ? `d${s.dup ? 1 : 0} q${s.qos} r${s.retain ? 1 : 0}` : '',
    id: s.packetId !== null ? `id=${s.packetId}` : '',
    topic: printable(topic),
    len: `len=${s.remainingLength}`,
    payload,
    reason: printable(reason),
    failed,
    detail: printable(detail),
    notes: marks.join(' '),
    noteSeverity,
  };
}

/** Colour for a severity. */
export function severityColor(p: Palette, sev: Note['severity']): (s: string) => string {
  return sev === 'error' ? p.red : sev === 'warn' ? p.yellow : p.cyan;
}

export interface LineOptions extends PartsOptions {
  color?: boolean;
  /** Width of the client column (default 10; grows with the longest client seen, up to 24). */
  clientWidth?: number;
}

/** One line for a packet (no trailing newline). */
export function formatPacketLine(rec: PacketRecord, opts: LineOptions = {}): string {
  const p = palette(opts.color ?? false);
  const x = packetParts(rec, opts);
  const cw = opts.clientWidth ?? 10;
  const client = ellipsis(x.client, 24).padEnd(cw);
  const typeCol = x.type.padEnd(11);
  // The columns after the type, two spaces apart (built in place: this runs for every packet).
  let tail = '';
  if (x.flags) tail += x.flags + '  ';
  if (x.id) tail += x.id + '  ';
  if (x.detail) tail += x.detail + '  ';
  if (x.topic) tail += p.bold(x.topic) + '  ';
  tail += p.dim(x.len);
  if (x.payload) tail += '  ' + x.payload;
  if (x.reason) tail += '  ' + (x.failed ? p.red(x.reason) : x.reason);
  if (x.notes) tail += '  ' + severityColor(p, x.noteSeverity ?? 'warn')(x.notes);
  const typeColored = x.type === 'PUBLISH' ? p.green(typeCol) : x.failed ? p.red(typeCol) : p.cyan(typeCol);
  return `${p.dim(x.time)} ${p.dim(x.frame.padEnd(5))} ${client} ${x.arrow} ${typeColored} ${tail}`.trimEnd();
}

/** One highlighted line for a finding (no trailing newline). */
export function formatFindingLine(f: Finding, opts: LineOptions = {}): string {
  const p = palette(opts.color ?? false);
  const col = severityColor(p, f.severity);
  const frames = f.frames.length === 0 ? '' : `${f.frames.slice(0, 8).map((n) => `#${n}`).join(' ')}${f.frames.length > 8 ? ' …' : ''}`;
  // As packet lines name a client without an id: by its address, not the whole connection id.
  const who = f.clientId || f.username || clientAddress(f.conn);
  const topic = f.topic !== null ? `'${printable(f.topic)}'` : '';
  // Head: what and where, so the finding links to its packets at a glance;
  // then the explanation on its own indented line.
  const where = [frames ? p.bold(frames) : '', printable(who), topic].filter((x) => x !== '').join('  ');
  const head = `${p.dim(clockTime(f.time, opts))} ${col(p.bold(`!! ${f.code}`))}  ${where}`;
  return `${head}\n${' '.repeat(16)}${col(printable(f.text))}`;
}

/** Distinct clients a summary counted: those listed, and those past the list's cap. */
export function summaryClientCount(s: SummaryRecord): number {
  const more = s.extra['clients_not_listed'];
  return s.clients.length + (typeof more === 'number' ? more : 0);
}

/** The closing line: `-- 8 packets, 1 finding (undelivered-publish), 2 connections, 3 clients, 512 bytes`. */
export function formatSummaryLine(s: SummaryRecord): string {
  const packets = Object.values(s.packets).reduce((a, b) => a + b, 0);
  const findings = Object.entries(s.findings);
  const nf = findings.reduce((a, [, n]) => a + n, 0);
  const fl = nf === 0 ? '0 findings' : `${nf} finding${nf === 1 ? '' : 's'} (${findings.map(([c, n]) => (n > 1 ? `${c} ×${n}` : c)).join(', ')})`;
  return `-- ${packets} packet${packets === 1 ? '' : 's'}, ${fl}, ${s.connections} connection${s.connections === 1 ? '' : 's'}, ${clients(summaryClientCount(s))}, ${s.bytes} bytes`;
}

const clients = (n: number): string => `${n} client${n === 1 ? '' : 's'}`;

/** How a version is named in the line view's notes. */
const versionLabel = (v: ProtocolVersion): string => (v === 5 ? '5' : v === 4 ? '3.1.1' : '3.1');

export function createLineView(opts: ViewOptions): View {
  let clientWidth = 10;
  // The inferred version last said per connection. Keyed by the connection's ConnMeta,
  // the one object the engine gives every record of a connection: an entry lives as
  // long as the connection's records (nothing to cap, however many connections come
  // and go), and a new connection on the same ports is a new key.
  const inferredSaid = new WeakMap<ConnMeta, ProtocolVersion>();
  // The line options change only when the client column widens.
  let lineOpts: LineOptions | null = null;
  const lo = (): LineOptions => (lineOpts ??= {
    color: opts.color, showSecrets: opts.showSecrets, relativeTo: opts.relativeTo, utc: opts.utc, clientWidth,
  });
  return {
    record(r) {
      if (r.kind === 'finding') {
        opts.out.write(formatFindingLine(r, lo()) + '\n');
        return;
      }
      const w = Math.min(24, printable(clientLabel(r)).length);
      if (w > clientWidth) { clientWidth = w; lineOpts = null; }
      let line = formatPacketLine(r, lo());
      // No CONNECT seen on this connection: say which version was inferred, once, and
      // again each time the inference changes its mind (records are not decoded again,
      // so the earlier ones keep the version they were read with).
      if (r.versionInferred) {
        const said = inferredSaid.get(r.conn);
        if (said !== r.version) {
          inferredSaid.set(r.conn, r.version);
          line += said === undefined
            ? `  (MQTT ${versionLabel(r.version)} inferred: no CONNECT captured)`
            : `  (now read as MQTT ${versionLabel(r.version)}: inferred from the packets so far, no CONNECT captured; the earlier ones stay decoded as MQTT ${versionLabel(said)})`;
        }
      }
      opts.out.write(line + '\n');
    },
    end(summary) {
      if (summary) opts.out.write(formatSummaryLine(summary) + '\n');
    },
  };
}

/** Entries a line shows of a SUBSCRIBE's filters or a SUBACK's codes; the rest are counted. */
export const LINE_LIST_MAX = 20;

/**
 * The first LINE_LIST_MAX entries, then how many more there are (those listed
 * past them plus `notListed`, which the summary counted without listing): a
 * SUBSCRIBE of 200,000 filters is one readable line, not 6 MB.
 */
export function shortList<T>(items: readonly T[], notListed: number | undefined, show: (x: T) => string): string {
  const more = Math.max(0, items.length - LINE_LIST_MAX) + (notListed ?? 0);
  const shown = (items.length > LINE_LIST_MAX ? items.slice(0, LINE_LIST_MAX) : items).map(show).join(', ');
  return more > 0 ? `${shown}, … +${more} more` : shown;
}
