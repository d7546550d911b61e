// Display filters: `compileFilter(expr)` turns a Wireshark-style expression
// into a predicate over packet records (see docs/filters.md).
import type { Finding, OutputRecord, PacketRecord } from '../model/packet.js';
import { KeyQueue } from '../model/key-queue.js';
import { compileNode } from './compile.js';
import { parseFilter } from './parser.js';

export { FilterSyntaxError, caretLines, type FilterErrorCode } from './errors.js';
export { maskFilterSecrets } from './secrets.js';
export { topicMatches, topicMatcher, topicFilterProblem } from '../protocol/topic-match.js';
export { KNOWN_IDS, PSEUDO_FIELDS, lookupField, typeByName, type Value, type FieldVal } from './fields.js';
export { parseFilter } from './parser.js';
export type { Node as FilterNode } from './ast.js';

/** A compiled filter: call it on a packet record. */
export interface PacketFilter {
  (rec: PacketRecord): boolean;
  /** The expression as given. */
  readonly source: string;
  /** Evaluate the expression on a finding record itself (fields a finding lacks are absent). */
  finding(f: Finding): boolean;
  /** The expression uses the `finding` pseudo-field. */
  readonly mentionsFinding: boolean;
  /** Whether the expression needs no field tree (reads only summary fields). */
  readonly fast: boolean;
  /** The expression is empty: everything passes. */
  readonly matchAll: boolean;
}

/**
 * Compile a display filter. An empty or blank expression matches everything.
 * @throws FilterSyntaxError with `code`, `position` and a caret message.
 */
export function compileFilter(expr: string): PacketFilter {
  const node = parseFilter(expr);
  if (node === null) {
    return Object.assign((_: PacketRecord) => true, {
      source: expr, finding: (_: Finding) => true, mentionsFinding: false, fast: true, matchAll: true,
    });
  }
  const c = compileNode(node);
  const fn = (rec: PacketRecord): boolean => c.packet(rec);
  return Object.assign(fn, { source: expr, finding: c.finding, mentionsFinding: c.mentionsFinding, fast: c.fast, matchAll: false });
}

/**
 * Applies a filter to a stream of packets AND findings.
 * Policy for finding records (docs/filters.md):
 * - the expression is evaluated on the finding itself (its code, client, user,
 *   conn, topic, frames, dir, severity); if that is true the finding passes;
 * - otherwise, unless the expression mentions `finding`, the finding also passes
 *   when any of the packets it involves passed the filter earlier.
 * So `client == "p1"` and `publish` show the findings about what they show,
 * and `!finding` hides every finding and the packets involved in one.
 * "Passed earlier" covers the latest `rememberFrames` (200,000) packets that passed.
 */
export class RecordFilter {
  readonly filter: PacketFilter;
  /**
   * Frame numbers of the packets that passed. Not keyed by connection: a finding's frames
   * may be on other connections than its own (a withheld-delivery is the subscriber's and
   * names the publisher's PUBLISH). Frame numbers are unique in one capture or live session.
   */
  private readonly passed = new Set<number>();
  /** passed's frames in the order added: the oldest goes first, in O(1) (see KeyQueue). */
  private readonly order = new KeyQueue<number>();
  private readonly hasPassed = (f: number): boolean => this.passed.has(f);
  private readonly limit: number;

  constructor(expr: string | PacketFilter, opts: { rememberFrames?: number } = {}) {
    this.filter = typeof expr === 'string' ? compileFilter(expr) : expr;
    this.limit = opts.rememberFrames ?? 200_000;
  }

  test(r: OutputRecord): boolean {
    const f = this.filter;
    if (f.matchAll) return true;
    if (r.kind === 'packet') {
      const ok = f(r);
      if (ok && !f.mentionsFinding) this.remember(r.frame);
      return ok;
    }
    if (f.finding(r)) return true;
    if (f.mentionsFinding) return false;
    for (const fr of r.frames) if (this.passed.has(fr)) return true;
    return false;
  }

  private remember(frame: number): void {
    if (this.passed.has(frame)) return;
    this.passed.add(frame);
    this.order.add(frame, this.hasPassed, this.passed.size);
    if (this.passed.size > this.limit) this.passed.delete(this.order.oldest(this.hasPassed)!);
  }
}
