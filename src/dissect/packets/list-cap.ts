// Caps on the lists of SUBSCRIBE, UNSUBSCRIBE, SUBACK and UNSUBACK. A 16 MiB
// SUBSCRIBE holds about 4M topic filters, a SUBACK 16M reason codes. As with a
// property block (properties.ts), the first ENTRIES_ITEMISED entries are fields
// of the tree; the rest are walked and checked without fields and summed up in
// one field and one info note. The summary (`subscriptions`, `unsubscriptions`,
// `reasonCodes`) keeps the first ENTRIES_LISTED and counts the rest in
// `filtersNotListed`: summaries are built on the proxy's hot path.
import type { Field, Note } from '../../model/types.js';
import type { NoteDef } from '../../protocol/spec-refs.js';
import type { Walker } from '../walker.js';

/** Topic filters (with their options) or reason codes that are fields of the tree. */
export const ENTRIES_ITEMISED = 1000;
/** Topic filters or reason codes the summary lists. */
export const ENTRIES_LISTED = 10_000;

/** Info: the topic filters of a SUBSCRIBE/UNSUBSCRIBE past ENTRIES_ITEMISED (no spec reference). */
export const FILTERS_NOT_ITEMISED: NoteDef = {
  code: 'filters-not-itemised', severity: 'info',
  summary: 'a SUBSCRIBE or UNSUBSCRIBE with more than 1,000 topic filters: the rest are checked but not itemised',
};

/** Info: the reason codes of a SUBACK/UNSUBACK past ENTRIES_ITEMISED (no spec reference). */
export const REASON_CODES_NOT_ITEMISED: NoteDef = {
  code: 'reason-codes-not-itemised', severity: 'info',
  summary: 'a SUBACK or UNSUBACK with more than 1,000 reason codes: the rest are checked but not itemised',
};

/**
 * The entries of one list past ENTRIES_ITEMISED. Call begin() before the entry
 * of index ENTRIES_ITEMISED (it stops field building), and end() once after the
 * list, also when it stopped early (it restores field building and fills in
 * the field and the note).
 */
export class ListTail {
  /** Offset of the first entry not itemised, or -1 (the list is within the cap). */
  at = -1;
  private field: Field | null = null;
  private note: Note | null = null;
  private readonly tree: boolean;

  constructor(w: Walker) {
    this.tree = w.tree;
  }

  begin(w: Walker, def: NoteDef, fieldId: string, fieldLabel: string): void {
    const at = w.pos;
    this.at = at;
    if (this.tree) {
      this.field = w.add(fieldId, fieldLabel, at, 0, 0, '');
      w.tree = false;
    }
    // Kept past the per-packet note cap, like the other notes that sum up.
    w.noteAlways(def, '', at);
    this.note = w.notes[w.notes.length - 1]!;
  }

  /**
   * `count`: entries begun in all (a last one cut off by the end of the packet
   * included); `listed`: entries in the summary's list; `unit`/`units`: what an
   * entry is called; `checked`: what is still checked past the cap.
   */
  end(w: Walker, count: number, listed: number, unit: string, units: string, packet: string, checked: string): void {
    w.tree = this.tree;
    if (this.note === null) return;
    const more = count - ENTRIES_ITEMISED;
    const end = w.pos;
    const bytes = end - this.at;
    const what = `${more} more ${more === 1 ? unit : units} (${bytes} byte${bytes === 1 ? '' : 's'}, offsets ${this.at} to ${end - 1})`;
    const listText = listed < count
      ? `the summary lists the first ${listed} of the ${count}`
      : `the summary lists all ${count}`;
    this.note.text = `${what} not itemised: only the first ${ENTRIES_ITEMISED} ${units} of the ${packet} are fields, and ${listText}; the rest are still checked (${checked})`;
    if (this.field !== null) {
      this.field.length = bytes;
      this.field.value = more;
      this.field.display = `${what} not itemised`;
    }
  }
}
