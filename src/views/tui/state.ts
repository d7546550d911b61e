// The TUI's data state, free of blessed: the bounded packet ring, the filtered
// ring, pause/follow, the selection (absolute ring indices) and findings.
// app.ts turns key presses into calls here and draws what it exposes.
import type { Finding, PacketRecord } from '../../model/packet.js';
import { Ring } from './ring.js';
import { SideModel } from './side-model.js';

export type Predicate = (rec: PacketRecord) => boolean;

const MAX_FINDINGS = 10_000;
const MAX_AWAITING = 10_000;

export class TuiState {
  readonly all: Ring<PacketRecord>;
  /** The filtered list; `all` itself when no filter is set. */
  shown: Ring<PacketRecord>;
  filterExpr = '';
  private filterFn: Predicate | null = null;
  readonly findings: Finding[] = [];
  findingsDropped = 0;
  /**
   * Frames named by the kept findings, with how many name each. The analysis marks the
   * records it hands a finding (`rec.findings`), but a finding may name frames by number
   * only, often packets shown long before (the older connection's CONNECT in a session
   * takeover): those get their `!` from here.
   */
  private readonly findingFrames = new Map<number, number>();
  readonly side = new SideModel();
  /** Time of the first packet: the zero of the relative time column. */
  baseTime: number | null = null;
  /** Display frozen (capture continues). `frozenEnd` is the shown end when paused. */
  paused = false;
  frozenEnd = 0;
  follow: boolean;
  /** Absolute index (in `shown`) of the selected packet, -1 for none. */
  sel = -1;
  /** Absolute index of the top row of the list. */
  top = 0;
  /** Frames of the finding the user jumped from (marked with `*`). */
  marked = new Set<number>();
  ended = false;
  /**
   * MQTT 5: the client id the broker assigned (CONNACK Assigned Client Identifier) for
   * the packets of an empty-id connection sent before it (its CONNECT), which carry ''.
   */
  private readonly assigned = new WeakMap<PacketRecord, string>();
  /** Per connection id: its packets since a CONNECT with an empty client id, until the CONNACK. */
  private readonly awaitingId = new Map<string, PacketRecord[]>();

  constructor(readonly ringSize: number, live: boolean) {
    this.all = new Ring(ringSize);
    this.shown = this.all;
    this.follow = live;
  }

  addPacket(rec: PacketRecord): void {
    if (this.baseTime === null) this.baseTime = rec.time;
    this.all.push(rec);
    this.side.add(rec);
    this.noteAssignedId(rec);
    if (this.filterFn && this.shown !== this.all && safe(this.filterFn, rec)) this.shown.push(rec);
  }

  /**
   * The client id to show for `rec`: its own, or for the CONNECT (and anything sent before
   * the CONNACK) of a client that sent an empty one, the id the broker assigned it, so that
   * every row of the connection names it the same way. '' when there is none (yet).
   */
  clientOf(rec: PacketRecord): string {
    return rec.clientId || this.assigned.get(rec) || '';
  }

  private noteAssignedId(rec: PacketRecord): void {
    const id = rec.conn.id;
    const t = rec.summary.type;
    if (t === 1) {
      this.awaitingId.delete(id);
      if (rec.clientId) return;
      this.awaitingId.set(id, [rec]);
      // Connections that never see a CONNACK must not pile up.
      if (this.awaitingId.size > MAX_AWAITING) this.awaitingId.delete(this.awaitingId.keys().next().value!);
      return;
    }
    const waiting = this.awaitingId.get(id);
    if (!waiting) return;
    if (t === 2 && rec.dir === 's2c') {
      this.awaitingId.delete(id);
      const aci = rec.summary.properties?.['assigned_client_identifier'];
      if (typeof aci === 'string' && aci !== '') for (const r of waiting) this.assigned.set(r, aci);
      return;
    }
    if (!rec.clientId && waiting.length < 100) waiting.push(rec);
  }

  addFinding(f: Finding): void {
    if (this.findings.length >= MAX_FINDINGS) {
      const gone = this.findings.shift()!;
      this.findingsDropped++;
      for (const n of gone.frames) {
        const c = (this.findingFrames.get(n) ?? 0) - 1;
        if (c > 0) this.findingFrames.set(n, c);
        else this.findingFrames.delete(n);
      }
    }
    this.findings.push(f);
    for (const n of f.frames) this.findingFrames.set(n, (this.findingFrames.get(n) ?? 0) + 1);
    // Its packets may pass the filter now (`finding`): they were tested on arrival.
    if (this.filterFn && this.shown !== this.all && f.frames.length > 0) this.admit(f, this.filterFn);
  }

  /** Insert the kept packets `f` names that now pass `fn`, in capture order. */
  private admit(f: Finding, fn: Predicate): void {
    const want = new Set(f.frames);
    const min = Math.min(...f.frames);
    const all = this.all;
    const shown = this.shown;
    // Walk both rings back from the end (shown is a subsequence of all) as far as
    // the oldest frame named: frame numbers only grow along the ring.
    // `old` is the shown index of a packet already shown, -1 for one to add.
    const walked: { rec: PacketRecord; old: number }[] = [];
    let oldest = -1;
    let j = shown.end - 1;
    for (let i = all.end - 1; i >= all.first; i--) {
      const rec = all.get(i)!;
      if (rec.frame < min) break;
      if (j >= shown.first && shown.get(j) === rec) walked.push({ rec, old: j-- });
      else if (want.has(rec.frame) && rec.conn.id === f.conn && safe(fn, rec)) { walked.push({ rec, old: -1 }); oldest = walked.length - 1; }
    }
    if (oldest < 0) return;
    const tail = walked.slice(0, oldest + 1).reverse();
    const added = tail.filter((w) => w.old < 0).length;
    const keep = this.selected();
    const cut = shown.end - (tail.length - added);
    let frozen = -1; // where the frozen end lands: before the first packet that was past it
    shown.truncate(cut);
    for (const w of tail) {
      if (frozen < 0 && w.old >= this.frozenEnd) frozen = shown.end;
      shown.push(w.rec);
    }
    if (this.paused) this.frozenEnd = frozen >= 0 ? frozen : shown.end;
    else this.frozenEnd = shown.end;
    if (this.top >= cut) this.top += added;
    if (keep && !this.selectRecord(keep)) this.sel = -1;
  }

  /** First and one-past-last absolute index the list shows. */
  range(): [number, number] {
    const end = this.paused ? Math.min(this.frozenEnd, this.shown.end) : this.shown.end;
    return [Math.min(this.shown.first, end), end];
  }

  count(): number {
    const [a, b] = this.range();
    return b - a;
  }

  selected(): PacketRecord | undefined {
    return this.sel < 0 ? undefined : this.shown.get(this.sel);
  }

  setPaused(p: boolean): void {
    this.paused = p;
    if (p) this.frozenEnd = this.shown.end;
  }

  /** Apply a compiled filter (null clears it); rebuilds the shown ring from what is kept. */
  setFilter(expr: string, fn: Predicate | null): void {
    const keep = this.selected();
    this.filterExpr = fn ? expr : '';
    this.filterFn = fn;
    if (!fn) {
      this.shown = this.all;
    } else {
      const r = new Ring<PacketRecord>(this.ringSize);
      for (const rec of this.all) if (safe(fn, rec)) r.push(rec);
      this.shown = r;
    }
    this.frozenEnd = this.shown.end;
    this.sel = -1;
    if (keep) this.selectRecord(keep);
    if (this.sel < 0) {
      const [a, b] = this.range();
      this.sel = this.follow ? b - 1 : b > a ? a : -1;
    }
  }

  /** Select a record if it is in the shown list. Returns whether it was found. */
  selectRecord(rec: PacketRecord): boolean {
    const [a, b] = this.range();
    for (let i = b - 1; i >= a; i--) if (this.shown.get(i) === rec) { this.sel = i; return true; }
    return false;
  }

  /** Index of the first shown packet whose frame is in `frames` (and conn matches, when given). */
  findFrame(frames: readonly number[], conn?: string): number {
    const want = new Set(frames);
    const [a, b] = this.range();
    for (let i = a; i < b; i++) {
      const r = this.shown.get(i)!;
      if (want.has(r.frame) && (conn === undefined || r.conn.id === conn)) return i;
    }
    return -1;
  }

  /** Whether a kept finding names this packet's frame. */
  inFinding(rec: PacketRecord): boolean {
    return this.findingFrames.has(rec.frame);
  }

  /** Records currently shown, oldest first (what `w` writes). */
  shownRecords(): PacketRecord[] {
    const [a, b] = this.range();
    const out: PacketRecord[] = [];
    for (let i = a; i < b; i++) out.push(this.shown.get(i)!);
    return out;
  }
}

function safe(fn: Predicate, rec: PacketRecord): boolean {
  try {
    return fn(rec);
  } catch {
    return false;
  }
}
