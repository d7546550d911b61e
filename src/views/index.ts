// Output views, looked up by name. A view receives every record in order
// (packets and findings) and an end() call with an optional summary.
// New views plug in with registerView(name, factory).
import type { OutputRecord, SummaryRecord } from '../model/packet.js';
import { createJsonView } from './json.js';
import { createLineView, formatFindingLine, formatPacketLine } from './line.js';
import { createTableView } from './table.js';
import { renderHex } from './hex.js';
import { renderTree } from './tree.js';

export interface View {
  record(r: OutputRecord): void;
  end(summary?: SummaryRecord): void;
}

export interface ViewOptions {
  out: { write(s: string): unknown };
  /** ANSI colours (the caller decides: a TTY and no NO_COLOR, see shouldColor). */
  color?: boolean;
  /** Show passwords instead of `********`. */
  showSecrets?: boolean;
  /** JSON: add the flat `fields` array to packets. */
  fields?: boolean;
  /** Show times as seconds since this time (µs since the epoch). */
  relativeTo?: number;
  /** Show clock times in UTC instead of local time. */
  utc?: boolean;
}

export type ViewFactory = (opts: ViewOptions) => View;

/** The error createView throws for an unknown name (the CLI turns it into a usage error). */
export class UnknownViewError extends Error {
  override readonly name = 'UnknownViewError';
  readonly code = 'unknown-view';
  constructor(readonly view: string, readonly known: string[]) {
    super(`unknown format '${view}'; choose one of: ${known.join(', ')}`);
  }
}

/** A packet header line followed by a rendered body (tree or hex); findings as lines. */
function bodyView(render: (r: Extract<OutputRecord, { kind: 'packet' }>, o: ViewOptions) => string): ViewFactory {
  return (opts) => ({
    record(r) {
      const lo = { color: opts.color, showSecrets: opts.showSecrets, relativeTo: opts.relativeTo, utc: opts.utc };
      if (r.kind === 'finding') { opts.out.write(formatFindingLine(r, lo) + '\n\n'); return; }
      opts.out.write(formatPacketLine(r, lo) + '\n' + render(r, opts).replace(/\n?$/, '\n') + '\n');
    },
    end() { /* nothing buffered */ },
  });
}

const registry = new Map<string, ViewFactory>([
  ['line', createLineView],
  ['table', createTableView],
  ['json', createJsonView],
  ['tree', bodyView((r, o) => renderTree(r.bytes, r.tree(), { showSecrets: o.showSecrets, version: r.version }))],
  ['hex', bodyView((r, o) => renderHex(r.bytes, r.tree(), { showSecrets: o.showSecrets }))],
]);

/** Add (or replace) a view by name, e.g. registerView('tui', …). */
export function registerView(name: string, factory: ViewFactory): void {
  registry.set(name, factory);
}

/** Names of the registered views. */
export function viewNames(): string[] {
  return [...registry.keys()];
}

/** Create a view by name. @throws UnknownViewError */
export function createView(name: 'line' | 'table' | 'json' | 'tree' | 'hex' | (string & {}), opts: ViewOptions): View {
  const f = registry.get(name);
  if (!f) throw new UnknownViewError(name, viewNames());
  return f(opts);
}

export { createLineView, formatPacketLine, formatFindingLine, formatSummaryLine, packetParts, type PacketParts } from './line.js';
export { createTableView, renderPacketTable, renderFindingTable, type TableViewOptions } from './table.js';
export { createJsonView, findingToJson, summaryToJson, jsonSafe } from './json.js';
export { SummaryCounter, renderSummary, type SummarySnapshot, type SummaryRenderOptions } from './summary.js';
export { palette, shouldColor, stripAnsi, type Palette } from './color.js';
export * from './format.js';
