// The table view: tables of packets (drawn as cli-table3 draws them, by
// grid.ts), streamed in batches (one table per `batchSize` records, on an idle
// pause, and at the end) so it works live. Findings of a batch follow its
// packet table as their own cli-table3 table.
import Table from 'cli-table3';
import type { Finding, PacketRecord, SummaryRecord } from '../model/packet.js';
import { palette, type Palette } from './color.js';
import { clockTime, ellipsis, printable, reasonCodeString, reasonFailed } from './format.js';
import type { View, ViewOptions } from './index.js';
import { renderGrid } from './grid.js';
import { formatSummaryLine, packetParts, quoteTopic, severityColor, subscriptionEntry } from './line.js';

const SUBSCRIBE = 8, SUBACK = 9, UNSUBSCRIBE = 10;

export const PACKET_COLUMNS = ['#', 'Time', 'Client', '', 'Type', 'Flags', 'Id', 'Topic', 'Len', 'Payload', 'Details', 'Notes'] as const;
export const FINDING_COLUMNS = ['Time', 'Finding', 'Severity', 'Client', 'Frames', 'What happened'] as const;

export interface TableViewOptions extends ViewOptions {
  /** Records per printed table (default 50). */
  batchSize?: number;
  /** Print what is pending after this many ms without records (default 500; 0 = only by batch/end). */
  flushMs?: number;
}

function style(p: Palette): { head: string[]; border: string[] } {
  return p.enabled ? { head: ['cyan', 'bold'], border: ['grey'] } : { head: [], border: [] };
}

/** Longest reason text in a packet row (characters). */
export const DETAIL_MAX = 64;
/** Longest Topic cell (characters). */
const TOPIC_MAX = 40;
/** Longest user name, will topic and assigned client id in Details (characters). */
const VALUE_MAX = 24;
/**
 * Longest CONNECT/CONNACK details: the fixed words, three VALUE_MAX values, and a
 * password: only a --show-secrets password or values full of `\xHH` escapes are cut.
 */
const CONNECT_DETAIL_MAX = 140;
/** Frames listed in a finding row (the line view lists as many); the rest become `…`. */
const FRAMES_MAX = 8;

/**
 * The reason text of a row, at most DETAIL_MAX characters. A SUBACK or UNSUBACK whose
 * codes with their words do not fit lists the codes alone (`rc=0x02, 0x02, 0x80`, as
 * mosquitto_sub prints `Subscribed (mid: 1): 2, 2, 128`) and ends with how many failed,
 * so a refusal past the cut is never hidden behind the `…`.
 */
function tableReason(rec: PacketRecord, full: string): string {
  const s = rec.summary;
  const codes = s.reasonCodes;
  if (full.length <= DETAIL_MAX || codes === null || codes.length < 2) return ellipsis(full, DETAIL_MAX);
  let failed = 0;
  for (const c of codes) if (reasonFailed(s.type, c, rec.version)) failed++;
  const verb = s.type === SUBACK ? 'refused' : 'failed';
  const suffix = failed > 0 ? ` (${s.filtersNotListed ? 'at least ' : ''}${failed} of ${codes.length + (s.filtersNotListed ?? 0)} ${verb})` : '';
  let list = 'rc=';
  for (let i = 0; i < codes.length && list.length <= DETAIL_MAX; i++) list += (i > 0 ? ', ' : '') + reasonCodeString(s.type, codes[i]!, rec.version);
  if (s.filtersNotListed) list += ', …';
  const head = ellipsis(list, DETAIL_MAX - suffix.length) + suffix;
  const rs = s.properties?.['reason_string'];
  return typeof rs === 'string' ? ellipsis(`${head} (${printable(JSON.stringify(rs))})`, DETAIL_MAX) : head;
}

/**
 * The Topic cell, at most TOPIC_MAX characters. The filters of a SUBSCRIBE or
 * UNSUBSCRIBE that do not fit are counted (`ok/a q2, ok/b q2, … +3 more`) rather
 * than cut inside a filter, so the row says how many there are, as its SUBACK
 * row has one code per filter.
 */
function tableTopic(rec: PacketRecord, full: string): string {
  if (full.length <= TOPIC_MAX) return full;
  const s = rec.summary;
  const subs = s.type === SUBSCRIBE ? s.subscriptions : undefined;
  const unsubs = s.type === UNSUBSCRIBE ? s.unsubscriptions : undefined;
  const count = subs?.length ?? unsubs?.length ?? 0;
  if (count < 2) return ellipsis(full, TOPIC_MAX);
  const total = count + (s.filtersNotListed ?? 0);
  const entry = (i: number): string => printable(subs ? subscriptionEntry(subs[i]!, rec.version) : quoteTopic(unsubs![i]!));
  const more = (shown: number): string => `, … +${total - shown} more`;
  let out = '';
  let n = 0;
  while (n < count) {
    const next = (n > 0 ? `${out}, ` : '') + entry(n);
    if ((next + (n + 1 < total ? more(n + 1) : '')).length > TOPIC_MAX) break;
    out = next;
    n++;
  }
  // Not even the first filter fits beside the count: cut it, keep the count.
  if (n === 0) return ellipsis(entry(0), TOPIC_MAX - more(1).length) + more(1);
  return n < total ? out + more(n) : out;
}

/** The packet table's cells for one record (PACKET_COLUMNS). */
export function packetRow(rec: PacketRecord, opts: Omit<ViewOptions, 'out'>, p: Palette): string[] {
  const x = packetParts(rec, { showSecrets: opts.showSecrets, relativeTo: opts.relativeTo, utc: opts.utc, previewChars: 24, valueChars: VALUE_MAX });
  // A long user name, will topic or reason string is cut (marked `…`) as the topic is: a
  // column is as wide as its widest cell, so one 4,000-character will topic would
  // otherwise widen every row of the batch. The field tree shows them whole.
  const reason = tableReason(rec, x.reason);
  const details = [ellipsis(x.detail, CONNECT_DETAIL_MAX), x.failed ? p.red(reason) : reason].filter(Boolean).join(' ');
  return [
    String(rec.frame), x.time, ellipsis(x.client, 24), x.arrow, x.type, x.flags,
    rec.summary.packetId === null ? '' : String(rec.summary.packetId),
    tableTopic(rec, x.topic), String(rec.summary.remainingLength),
    x.payload.replace(/^payload=/, ''), details,
    x.notes ? severityColor(p, x.noteSeverity ?? 'warn')(x.notes) : '',
  ];
}

/** Rows of packets as one table, drawn as cli-table3 draws it (grid.ts says why not by cli-table3 itself). */
export function renderPacketTable(recs: PacketRecord[], opts: Omit<ViewOptions, 'out'> = {}): string {
  const p = palette(opts.color ?? false);
  return renderGrid(PACKET_COLUMNS, recs.map((rec) => packetRow(rec, opts, p)), p.enabled);
}

/** Findings as one cli-table3 table; the text column wraps at word boundaries. */
export function renderFindingTable(fs: Finding[], opts: Omit<ViewOptions, 'out'> = {}): string {
  const p = palette(opts.color ?? false);
  const t = new Table({
    head: [...FINDING_COLUMNS], style: style(p), wordWrap: true, wrapOnWordBoundary: true,
    colWidths: [null, null, null, null, null, 64],
  });
  for (const f of fs) {
    const col = severityColor(p, f.severity);
    t.push([
      clockTime(f.time, opts), col(f.code), col(f.severity), ellipsis(printable(f.clientId ?? ''), 24),
      f.frames.slice(0, FRAMES_MAX).map((n) => `#${n}`).join(' ') + (f.frames.length > FRAMES_MAX ? ' …' : ''), printable(f.text),
    ]);
  }
  return t.toString();
}

export function createTableView(opts: TableViewOptions): View {
  const batch = Math.max(1, opts.batchSize ?? 50);
  const flushMs = opts.flushMs ?? 500;
  let packets: PacketRecord[] = [];
  let findings: Finding[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;

  const flush = (): void => {
    if (timer) { clearTimeout(timer); timer = null; }
    if (packets.length > 0) opts.out.write(renderPacketTable(packets, opts) + '\n');
    if (findings.length > 0) opts.out.write(renderFindingTable(findings, opts) + '\n');
    packets = [];
    findings = [];
  };

  return {
    record(r) {
      if (r.kind === 'packet') packets.push(r);
      else findings.push(r);
      if (packets.length + findings.length >= batch) {
        flush();
      } else if (flushMs > 0 && !timer) {
        timer = setTimeout(flush, flushMs);
        timer.unref?.();
      }
    },
    end(summary?: SummaryRecord) {
      flush();
      if (summary) opts.out.write(formatSummaryLine(summary) + '\n');
    },
  };
}
