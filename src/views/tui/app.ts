// App glue: one blessed screen, a handful of boxes whose content is redrawn
// from TuiState at most ~10 times a second. No element per packet: the list,
// tree, hex and side panes each render only their visible rows.
import blessed from 'blessed';
import type { AnalysisSnapshot } from '../../analysis/index.js';
import { maskSecrets, secretRanges } from '../../dissect/index.js';
import { compileFilter, FilterSyntaxError, maskFilterSecrets } from '../../filter/index.js';
import type { Finding, OutputRecord, PacketRecord } from '../../model/packet.js';
import type { Field } from '../../model/types.js';
import { bytesPerLine, hexLines, hexTitle, lineCount, lineOf } from './hex-model.js';
import { GLOBAL_KEYS, PACKET_KEYS, PROMPT_KEYS } from './keymap.js';
import { computeLayout, type Layout, type Rect } from './layout.js';
import { hasProblem, headerRow, packetRow, typeName } from './packet-row.js';
import { describeFsError } from '../../proxy/pcap-tap.js';
import { defaultPcapName, type PcapExport, pcapWrittenText, shortenPath, writeRecordsPcap } from './pcap-export.js';
import type { SideData } from './side-model.js';
import { clientsTable, findingsTable, flowsTable, tableRow, topicsTable, type SideName, type SideTable } from './side-views.js';
import { sideDataFromSnapshot } from './snapshot-adapter.js';
import { TuiState } from './state.js';
import { colsOfText, esc, fit } from './text.js';
import { noteLines, rowText, TreeModel } from './tree-model.js';
import { helpBar, helpLines, type OverlayLine, reflow, wrapLine } from './widgets/help-bar.js';
import { LineEditor, type KeyLike } from './widgets/line-editor.js';
import { Viewport } from './widgets/viewport.js';

export interface TuiOptions {
  title?: string;
  live: boolean;
  /** Packets kept for display; older ones are counted, not kept. Default 100000. */
  ringSize?: number;
  snapshot?: () => AnalysisSnapshot;
  onWritePcap?: (recs: PacketRecord[], path: string) => Promise<PcapExport | void>;
  onQuit?: () => void;
  /** Lab explanation: shown with `h`, and announced in the message line. */
  help?: string;
  /** Show passwords instead of `********`. */
  showSecrets?: boolean;
  /** Initial display filter. */
  filter?: string;
  /** Where clients connect (live): under "waiting for packets…" and on the message line at start. */
  intro?: string[];
  /** Streams for the screen (tests); default process.stdin/stdout. */
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

type Focus = 'list' | 'tree' | 'hex';
type Mode = 'packets' | SideName;
interface Prompt { kind: 'filter' | 'write'; editor: LineEditor; error: { text: string; position: number } | null }

const FRAME_MS = 100; // ≤ 10 renders per second
const NO_DETAIL_PANES = 'the field tree and hex panes need a terminal of 11 rows or more';

export class TuiApp {
  readonly state: TuiState;
  private readonly screen: blessed.Widgets.Screen;
  private readonly boxes: Record<string, blessed.Widgets.BoxElement> = {};
  private layout: Layout;
  private mode: Mode = 'packets';
  private focus: Focus = 'list';
  private prompt: Prompt | null = null;
  private overlay: 'keys' | 'lab' | 'details' | null = null;
  /** First body line of the overlay on screen, and how far it can scroll (0: it all fits). */
  private overlayTop = 0;
  private overlayMax = 0;
  private overlayRoom = 1;
  private readonly tree = new TreeModel();
  private treeRec: PacketRecord | null = null;
  /**
   * The packet being read (not following) after the ring pushed it out of the list: the
   * tree and hex panes keep it until the user moves in the list. Without this the selection
   * fell to the oldest kept packet, itself pushed out at the next render, and the panes ran
   * through packets at the rate of the flood.
   */
  private held: PacketRecord | null = null;
  private treeTop = 0;
  private hexTop = 0;
  private hexCursor: number | null = null;
  private readonly sideVp: Record<SideName, Viewport> = {
    clients: new Viewport(), topics: new Viewport(), flows: new Viewport(), findings: new Viewport(),
  };
  private message: { text: string; colour: string | null; until: number; wrap: boolean } | null = null;
  private lastRender = 0;
  private timer: NodeJS.Timeout | null = null;
  private destroyed = false;
  private readonly doneResolvers: Array<() => void> = [];
  readonly done: Promise<void>;

  constructor(private readonly opts: TuiOptions) {
    this.state = new TuiState(opts.ringSize ?? 100_000, opts.live);
    this.done = new Promise((resolve) => this.doneResolvers.push(resolve));
    this.screen = blessed.screen({
      smartCSR: true,
      // Wide glyphs (CJK topics) take two columns; text.ts fit() counts them so.
      fullUnicode: true,
      title: opts.title ?? 'mqttscope',
      autoPadding: false,
      warnings: false,
      ...(opts.input ? { input: opts.input as never } : {}),
      ...(opts.output ? { output: opts.output as never } : {}),
    });
    this.layout = computeLayout(this.screen.width as number, this.screen.height as number);
    for (const name of ['title', 'listHead', 'list', 'treeHead', 'tree', 'hexHead', 'hex', 'sideHead', 'side', 'sideDetail', 'message', 'help', 'overlay']) {
      // The overlay's border is set here: blessed fills in its sides only at creation
      // (one assigned later reserves the columns but draws nothing).
      this.boxes[name] = blessed.box({ parent: this.screen, tags: true, wrap: false, top: 0, left: 0, width: 1, height: 1, ...(name === 'overlay' ? { border: { type: 'line' } } : {}) });
    }
    const ov = this.boxes.overlay!;
    ov.style = { bg: 'black', fg: 'white', border: { fg: 'cyan' } } as never;
    ov.hide();
    this.applyLayout();
    this.screen.on('keypress', (ch: string | undefined, key: KeyLike) => this.onKey(ch, key));
    this.screen.on('resize', () => { this.applyLayout(); this.renderNow(); });
    if (opts.filter) this.applyFilter(opts.filter);
    if (opts.help) this.flash('Lab running: press h for what to look at, ? for all keys', 'cyan-fg', 15_000, false);
    else if (opts.intro?.length) this.flash(opts.intro.join('  ·  '), 'cyan-fg', 30_000, false);
    this.renderNow();
  }

  // ---- input from the view -------------------------------------------------

  record(r: OutputRecord): void {
    if (this.destroyed) return;
    if (r.kind === 'packet') this.state.addPacket(r);
    else this.state.addFinding(r);
    this.requestRender();
  }

  end(): void {
    this.state.ended = true;
    // Something may have written to the terminal meanwhile (progress on stderr): repaint all.
    this.repaint();
  }

  /** Full repaint (Ctrl-L): forget what blessed thinks is on the terminal. */
  repaint(): void {
    if (this.destroyed) return;
    this.screen.realloc();
    this.renderNow();
  }

  // ---- rendering -------------------------------------------------------------

  requestRender(): void {
    if (this.destroyed || this.timer) return;
    const wait = Math.max(0, this.lastRender + FRAME_MS - Date.now());
    this.timer = setTimeout(() => { this.timer = null; this.renderNow(); }, wait);
  }

  private applyLayout(): void {
    this.layout = computeLayout(this.screen.width as number, this.screen.height as number);
    const L = this.layout;
    const place = (name: string, rc: Rect): void => {
      const b = this.boxes[name]!;
      b.top = rc.top; b.left = rc.left; b.width = rc.width; b.height = Math.max(1, rc.height);
      // renderNow() then shows only the middle panes of the current view.
      if (rc.height === 0) b.hide(); else b.show();
    };
    for (const k of ['title', 'listHead', 'list', 'treeHead', 'tree', 'hexHead', 'hex', 'sideHead', 'side', 'sideDetail', 'message', 'help'] as const) place(k, L[k]);
    // A pane the new size drops gives the focus back to the list.
    if (!this.focusable().includes(this.focus)) this.focus = 'list';
    const ov = this.boxes.overlay!;
    const W = this.screen.width as number;
    const H = this.screen.height as number;
    ov.top = H > 6 ? 1 : 0; ov.left = W > 100 ? Math.floor((W - 96) / 2) : W > 4 ? 1 : 0; ov.width = Math.max(1, Math.min(96, W - 2)); ov.height = Math.max(1, H > 6 ? H - 3 : H);
  }

  private renderNow(): void {
    if (this.destroyed) return;
    this.lastRender = Date.now();
    const packets = this.mode === 'packets';
    for (const k of ['listHead', 'list', 'treeHead', 'tree', 'hexHead', 'hex']) this.show(k, packets);
    for (const k of ['sideHead', 'side', 'sideDetail']) this.show(k, !packets);
    this.drawTitle();
    if (packets) this.drawPackets();
    else this.drawSide(this.mode as SideName);
    this.drawMessage();
    this.drawHelp();
    this.drawOverlay();
    this.screen.render();
  }

  private show(name: string, on: boolean): void {
    const b = this.boxes[name]!;
    const rc = this.layout[name as keyof Layout] as Rect;
    if (on && rc.height > 0) b.show(); else b.hide();
  }

  private set(name: string, lines: string[]): void {
    this.boxes[name]!.setContent(lines.join('\n'));
  }

  private drawTitle(): void {
    const s = this.state;
    const W = this.layout.title.width;
    const kept = s.all.size;
    const mode = [
      this.opts.live ? 'LIVE' : s.ended ? 'FILE (end)' : 'FILE (reading)',
      s.paused ? `PAUSED (+${s.shown.end - s.frozenEnd})` : this.opts.live ? (s.follow ? 'FOLLOW' : 'NOT FOLLOWING (f)') : '',
    ];
    const counts = [
      `${s.all.end} pkts${s.all.dropped ? ` (${s.all.dropped} older not kept)` : ''}`,
      s.filterExpr ? `shown ${s.count()}` : '',
      // Past the kept 10,000 the count goes on: a flood of findings must not read as 10,000.
      `${s.findings.length + s.findingsDropped} findings${s.findingsDropped ? ` (${s.findingsDropped} older not kept)` : ''}`,
    ];
    const rest = [
      s.filterExpr ? `filter: ${this.opts.showSecrets ? s.filterExpr : maskFilterSecrets(s.filterExpr)}` : '',
      this.opts.title ?? '',
    ];
    const line = (ps: string[]): string => ' ' + ps.filter(Boolean).join(' | ');
    // On a narrow terminal (a 40-column pane) the counts come first: they were cut off
    // behind "mqttscope | LIVE | NOT FOLLOWING (f)".
    const usual = ['mqttscope', ...mode, ...counts];
    const parts = colsOfText(line(usual)) <= W ? [...usual, ...rest] : [...counts, ...mode, ...rest];
    void kept;
    this.set('title', [`{inverse}${esc(fit(line(parts), W))}{/inverse}`]);
  }

  private listVp(): Viewport {
    const s = this.state;
    const [a, b] = s.range();
    const vp = new Viewport();
    vp.height = Math.max(1, this.layout.list.height);
    vp.count = b - a;
    vp.top = Math.max(0, s.top - a);
    vp.sel = s.sel < 0 ? -1 : s.sel - a;
    if (b > a && (s.follow && !s.paused)) vp.sel = b - a - 1;
    vp.setCount(b - a);
    vp.ensureVisible();
    return vp;
  }

  private storeVp(vp: Viewport): void {
    const [a] = this.state.range();
    this.state.top = a + vp.top;
    this.state.sel = vp.sel < 0 ? -1 : a + vp.sel;
  }

  private drawPackets(): void {
    const s = this.state;
    const W = this.layout.list.width;
    const [a0] = s.range();
    if (!this.held && this.treeRec && !(s.follow && !s.paused) && s.sel >= 0 && s.sel < a0) {
      this.held = this.treeRec;
      this.flash(`packet ${this.held.seq} is no longer in the list (only the last ${s.all.capacity} packets are kept): the panes below still show it; a move in the list lets go of it`, 'yellow-fg', 8000);
    }
    const held = this.held;
    const vp = this.listVp();
    this.storeVp(vp);
    const [a] = s.range();
    const base = s.baseTime ?? 0;
    const focusList = this.focus === 'list';
    // The No. column shows frame numbers, which only grow: the newest packet's is the widest.
    const maxNo = Math.max(s.all.end, s.all.get(s.all.end - 1)?.frame ?? 0);
    this.set('listHead', [`{bold}{underline}${esc(fit(headerRow(W, maxNo), W))}{/underline}{/bold}`]);
    const rows: string[] = [];
    for (const i of vp.visible()) {
      const rec = s.shown.get(a + i);
      if (!rec) continue;
      rows.push(packetRow(rec, { width: W, baseTime: base, selected: !held && i === vp.sel && focusList, current: !held && i === vp.sel && !focusList, marked: s.marked.has(rec.frame), maxNo, inFinding: s.inFinding(rec), clientId: s.clientOf(rec) }));
    }
    if (rows.length === 0) {
      rows.push(esc(s.count() === 0 && s.all.end > 0 ? '  (no packet matches the filter)' : this.opts.live ? '  waiting for packets…' : '  (no packets)'));
      // A capture with no decodable MQTT (cut by a snap length, one-way, not MQTT) says why in its findings.
      const nf = s.findings.length + s.findingsDropped;
      if (s.all.end === 0 && nf > 0) rows.push(esc(fit(`  ${nf} finding${nf === 1 ? '' : 's'} may say why: press 5 or x to list ${nf === 1 ? 'it' : 'them'}`, W)));
      if (s.all.end === 0) for (const l of this.opts.intro ?? []) rows.push(esc(fit(`  ${l}`, W)));
    }
    this.set('list', rows);

    const rec = held ?? s.selected();
    if (rec !== this.treeRec) this.loadTree(rec);
    this.drawTree();
    this.drawHex();
  }

  private loadTree(rec: PacketRecord | undefined): void {
    this.treeRec = rec ?? null;
    this.hexTop = 0;
    this.treeTop = 0;
    if (!rec) { this.tree.load([], [], new Uint8Array(0)); this.hexCursor = null; return; }
    const t = rec.tree();
    const fields: Field[] = this.opts.showSecrets ? t.fields : maskSecrets(t.fields);
    this.tree.load(fields, t.notes, rec.bytes);
    if (this.hexCursor !== null) this.hexCursor = Math.min(this.hexCursor, rec.bytes.length - 1);
  }

  private drawTree(): void {
    const rc = this.layout.tree;
    const rec = this.treeRec;
    const focus = this.focus === 'tree';
    const head = rec
      ? `Packet ${rec.seq} (frame ${rec.frame}${rec === this.held ? ', no longer listed' : ''}) ${typeName(rec.summary.type)}  ${rec.dir === 'c2s' ? 'client → broker' : 'broker → client'}  MQTT ${rec.version === 3 ? '3.1' : rec.version === 4 ? '3.1.1' : '5.0'}${rec.versionInferred ? '?' : ''}  ${rec.bytes.length} bytes`
      : 'Field tree';
    this.set('treeHead', [this.paneHead(head, this.layout.treeHead.width, focus)]);
    const rows = this.tree.rows();
    const idx = this.tree.selectedIndex();
    const height = Math.max(1, rc.height);
    const problems = rec ? noteLines(packetNotes(rec), height) : [];
    const vp = new Viewport();
    vp.height = Math.max(1, height - Math.min(problems.length, Math.max(0, height - 2)));
    vp.setCount(rows.length);
    vp.top = this.treeTop;
    vp.sel = idx;
    vp.ensureVisible();
    this.treeTop = vp.top;
    const out: string[] = [];
    for (const i of vp.visible()) {
      const row = rows[i]!;
      const text = fit(rowText(row, this.tree.bytes), rc.width);
      const noted = (row.field.notes?.length ?? 0) > 0;
      if (i === idx) out.push(focus ? `{inverse}${esc(text)}{/inverse}` : `{underline}${esc(text)}{/underline}`);
      else if (noted) out.push(`{yellow-fg}${esc(text)}{/yellow-fg}`);
      // Bit rows in cyan: gray maps to black on 8/16-colour and some 256-colour terminals.
      else if (row.field.mask !== undefined) out.push(`{cyan-fg}${esc(text)}{/cyan-fg}`);
      else out.push(esc(text));
    }
    for (const n of problems.slice(0, Math.max(0, height - out.length))) out.push(`{red-fg}${esc(fit(n, rc.width))}{/red-fg}`);
    this.set('tree', out);
  }

  private highlight(): [number, number] | null {
    const f = this.tree.selectedField();
    if (!f || f.length === 0) return null;
    return [f.offset, f.offset + f.length];
  }

  private drawHex(): void {
    const rc = this.layout.hex;
    const rec = this.treeRec;
    const focus = this.focus === 'hex';
    const hl = this.highlight();
    const masked = !rec || this.opts.showSecrets ? [] : secretRanges(this.tree.fields);
    // The byte under the cursor (hex pane focused): where it is in a long field, and its value.
    const c = focus && rec && this.hexCursor !== null && this.hexCursor < rec.bytes.length ? this.hexCursor : null;
    const cursor = c === null ? null : { offset: c, value: rec!.bytes[c]!, masked: masked.some(([a, b]) => c >= a && c < b) };
    const head = hexTitle(this.tree.selectedField(), this.tree.selectedTitle(), rec?.bytes.length ?? 0, cursor, this.layout.hexHead.width - 1);
    this.set('hexHead', [this.paneHead(head, this.layout.hexHead.width, focus)]);
    if (!rec) { this.set('hex', []); return; }
    const h = Math.max(1, rc.height);
    const total = lineCount(rec.bytes.length, rc.width);
    const anchor = focus && this.hexCursor !== null ? this.hexCursor : hl ? hl[0] : 0;
    const line = lineOf(anchor, rc.width, rec.bytes.length);
    if (line < this.hexTop) this.hexTop = line;
    else if (line >= this.hexTop + h) this.hexTop = line - h + 1;
    this.hexTop = Math.max(0, Math.min(this.hexTop, Math.max(0, total - h)));
    this.set('hex', hexLines(rec.bytes, { width: rc.width, highlight: hl, cursor: focus ? this.hexCursor : null, masked, fromLine: this.hexTop, lines: h }));
  }

  private paneHead(text: string, width: number, focus: boolean): string {
    const t = esc(fit(` ${text}`, width));
    return focus ? `{cyan-bg}{black-fg}${t}{/black-fg}{/cyan-bg}` : `{white-bg}{black-fg}${t}{/black-fg}{/white-bg}`;
  }

  private sideData(): SideData {
    if (this.opts.snapshot) {
      try {
        return sideDataFromSnapshot(this.opts.snapshot(), this.state.side);
      } catch {
        // fall back to what the records tell
      }
    }
    return this.state.side;
  }

  private sideTable(name: SideName, width: number): SideTable {
    if (name === 'findings') return findingsTable(this.state.findings, width, this.state.findingsDropped);
    const d = this.sideData();
    return name === 'clients' ? clientsTable(d, width) : name === 'topics' ? topicsTable(d, width) : flowsTable(d, width);
  }

  private drawSide(name: SideName): void {
    const W = this.layout.side.width;
    const t = this.sideTable(name, W);
    const vp = this.sideVp[name];
    vp.setCount(t.rows.length);
    // The details, wrapped to the width: a finding's explanation (the ACL rule that denied a
    // publish) or a client's user and packet count were cut at 80 columns, or below the
    // area's last row without a mark. The area grows into the table's rows for them,
    // and a text that still does not fit ends in `…`.
    const L = this.layout;
    let detailH = L.sideDetail.height;
    let lines: string[] = [];
    let cut = false;
    if (detailH > 0) {
      const sel = vp.sel >= 0 ? vp.sel : 0;
      const room = L.side.height + L.sideDetail.height;
      // Only what can show is wrapped (thousands of subscriptions or frames make one long line).
      for (const l of t.rows.length > 0 ? t.detail(sel, W).flatMap((x) => x.split('\n')) : []) {
        if (lines.length > room) break;
        lines.push(...wrapLine(l.slice(0, (room + 1) * W * 2), W));
      }
      // The table keeps its rows up to a quarter of the area (at least 3), fewer if it has fewer.
      const tableMin = Math.min(L.side.height, Math.max(1, Math.min(t.rows.length, Math.max(3, Math.floor(room / 4)))));
      detailH = Math.max(detailH, Math.min(1 + lines.length, room - tableMin));
      if (lines.length > detailH - 1) {
        lines = lines.slice(0, detailH - 1);
        lines[lines.length - 1] = fit(`${lines[lines.length - 1]!} …`, W);
        cut = true;
      }
    }
    const rowsH = L.side.height + L.sideDetail.height - detailH;
    const sideBox = this.boxes.side!;
    const detailBox = this.boxes.sideDetail!;
    sideBox.height = Math.max(1, rowsH);
    detailBox.top = L.sideDetail.top - (detailH - L.sideDetail.height);
    detailBox.height = Math.max(1, detailH);
    vp.setHeight(rowsH);
    const columns = `{bold}{underline}${esc(fit(t.header, W))}{/underline}{/bold}`;
    // One line (a 5-row terminal): the column header says which view this is.
    // Too short for the details area (under 13 rows): the title says where they are.
    const title = L.sideDetail.height === 0 && t.rows.length > 0 ? `${t.title}  d: details` : t.title;
    this.set('sideHead', this.layout.sideHead.height === 1 ? [columns] : [this.paneHead(title, W, true), columns]);
    const out: string[] = [];
    for (const i of vp.visible()) out.push(tableRow(t.rows[i]!, W, i === vp.sel, t.colours?.[i]));
    // A capture read to its end will not bring any: "nothing yet" read as "wait".
    if (out.length === 0) out.push(esc(this.opts.live || !this.state.ended ? '  (nothing yet)' : '  (none in this capture)'));
    this.set('side', out);
    // What is cut is one key away: `d` opens the whole text in the overlay, which scrolls.
    const head = cut ? ' Details (cut: d shows all)' : ' Details';
    this.set('sideDetail', [`{white-bg}{black-fg}${esc(fit(head, W))}{/black-fg}{/white-bg}`, ...lines.map((l) => esc(fit(l, W)))]);
  }

  private drawMessage(): void {
    const W = this.layout.message.width;
    const p = this.prompt;
    if (p) {
      const label = p.kind === 'filter' ? 'Filter: ' : 'Write pcap to: ';
      // A literal compared with the password is drawn as asterisks, as in a password field
      // (the editor keeps the real text; the mask keeps every position, so the cursor and an
      // error position still point at the same character).
      const v = p.kind === 'filter' && !this.opts.showSecrets ? maskFilterSecrets(p.editor.value) : p.editor.value;
      const room = Math.max(4, W - label.length - 1);
      // By characters, not UTF-16 units (an emoji is two): a cursor or error mark
      // wrapped around half of one would break it. Cursor and error positions are units.
      const chars: Array<{ at: number; ch: string }> = [];
      for (let at = 0; at < v.length;) {
        const ch = String.fromCodePoint(v.codePointAt(at)!);
        chars.push({ at, ch });
        at += ch.length;
      }
      chars.push({ at: v.length, ch: ' ' });
      const curIdx = Math.max(0, chars.findIndex((c) => c.at >= p.editor.cursor));
      // Scroll so the cursor stays on screen, counting wide characters as two columns.
      let start = curIdx;
      for (let used = colsOfText(chars[curIdx]!.ch); start > 0 && used + colsOfText(chars[start - 1]!.ch) <= room;) used += colsOfText(chars[--start]!.ch);
      const errAt = p.error ? p.error.position : -1;
      let body = '';
      for (let i = start, used = 0; i < chars.length; i++) {
        const c = chars[i]!;
        used += colsOfText(c.ch);
        if (used > room) break;
        const ch = esc(c.ch);
        if (i === curIdx) body += `{inverse}${ch}{/inverse}`;
        else if (c.at === errAt) body += `{red-bg}${ch}{/red-bg}`;
        else body += ch;
      }
      const colour = p.error ? 'red-fg' : p.kind === 'filter' && v.trim() ? 'green-fg' : null;
      this.set('message', [`{bold}${label}{/bold}${colour ? `{${colour}}${body}{/${colour}}` : body}`]);
      return;
    }
    const m = this.message;
    if (m && m.until > Date.now()) {
      const t = esc(fit(this.messageLines(W)[0] ?? '', W));
      this.set('message', [m.colour ? `{${m.colour}}${t}{/${m.colour}}` : t]);
      return;
    }
    this.message = null;
    const rec = this.mode === 'packets' ? this.treeRec : null;
    const probs = rec ? packetNotes(rec) : [];
    this.set('message', [probs.length ? `{yellow-fg}${esc(fit(probs[0]!, W))}{/yellow-fg}` : '']);
  }

  /** The current message in at most two lines of `width` (one when it fits, or may not wrap, or no key bar is shown). */
  private messageLines(width: number): string[] {
    const m = this.message;
    if (!m) return [];
    if (!m.wrap || this.layout.help.height === 0 || colsOfText(m.text) <= width) return [m.text];
    const lines = wrapLine(m.text, width);
    return lines.length <= 2 ? lines : [lines[0]!, lines.slice(1).join(' ')];
  }

  private drawHelp(): void {
    const W = this.layout.help.width;
    const p = this.prompt;
    const m = this.message;
    if (!p && m && m.until > Date.now()) {
      const rest = this.messageLines(W)[1];
      if (rest !== undefined) {
        const t = esc(fit(rest, W));
        this.set('help', [m.colour ? `{${m.colour}}${t}{/${m.colour}}` : t]);
        return;
      }
    }
    if (p?.error) {
      // The filter error is the one line that matters while typing.
      this.set('help', [`{red-fg}{bold}${esc(fit(`✗ ${p.error.text} (at position ${p.error.position + 1})`, W))}{/bold}{/red-fg}`]);
      return;
    }
    if (p) { this.set('help', [helpBar(PROMPT_KEYS.map((k) => (p.kind === 'write' && k.keys === 'Enter' ? { ...k, bar: 'write' } : k)), W)]); return; }
    this.set('help', [helpBar(GLOBAL_KEYS, W)]);
  }

  private drawOverlay(): void {
    const ov = this.boxes.overlay!;
    if (!this.overlay) { ov.hide(); return; }
    const body: OverlayLine[] = this.overlay === 'lab'
      ? reflow(this.opts.help ?? '')
      : this.overlay === 'details'
        ? this.detailLines(Math.max(1, (ov.width as number) - 2))
        : helpLines([{ title: 'Everywhere', items: GLOBAL_KEYS }, { title: 'Packets view', items: PACKET_KEYS }, { title: 'Filter and path prompts', items: PROMPT_KEYS }]);
    // Inside the border: wrap long lines to the width, and scroll what does not fit in the height.
    const inner = Math.max(1, (ov.width as number) - 2);
    while (body.length > 0 && body[body.length - 1]!.text === '') body.pop();
    const lines = body.flatMap((l) => wrapLine(l.text, inner, l.indent).map((text) => ({ text, bold: l.bold })));
    const room = Math.max(1, (ov.height as number) - 2 - 2); // the title line and a blank line
    this.overlayRoom = room;
    this.overlayMax = Math.max(0, lines.length - room);
    this.overlayTop = Math.max(0, Math.min(this.overlayTop, this.overlayMax));
    const top = this.overlayTop;
    const title = this.overlay === 'lab' ? 'What to look at' : this.overlay === 'details' ? 'Details' : 'mqttscope keys';
    const hint = this.overlayMax > 0
      ? `↑ ↓ PgUp PgDn scroll (${top + 1}–${Math.min(lines.length, top + room)} of ${lines.length}), any other key closes`
      : 'any key closes';
    const shown = lines.slice(top, top + room).map((l) => (l.bold ? `{bold}${esc(l.text)}{/bold}` : esc(l.text)));
    // Too narrow for title and hint on one line (40 columns cut "any other key closes"):
    // a shorter hint on the line under the title, which is blank otherwise.
    const head = colsOfText(`${title}  ${hint}`) <= inner
      ? [`{bold}${esc(title)}{/bold}  ${esc(hint)}`, '']
      : [`{bold}${esc(title)}{/bold}`, esc(this.overlayMax > 0
        ? `${top + 1}–${Math.min(lines.length, top + room)}/${lines.length} ↑↓ scroll, other key closes`
        : 'any key closes')];
    ov.setContent([...head, ...shown].join('\n'));
    ov.show();
    ov.setFront();
  }

  /** The selected side-view item's details, in full, for the overlay (`d`). */
  private detailLines(width: number): OverlayLine[] {
    if (this.mode === 'packets') return [];
    const t = this.sideTable(this.mode, width);
    if (t.rows.length === 0) return [{ text: '(nothing selected)', indent: 0 }];
    const vp = this.sideVp[this.mode];
    const sel = Math.min(t.rows.length - 1, Math.max(0, vp.sel));
    return t.detail(sel, width).flatMap((x) => x.split('\n')).map((text) => ({ text, indent: 0 }));
  }

  /** ↑ ↓ PgUp PgDn Home End scroll an overlay that does not fit; false when it fits (any key closes it). */
  private scrollOverlay(name: string): boolean {
    if (this.overlayMax === 0) return false;
    const page = Math.max(1, this.overlayRoom - 1);
    switch (name) {
      case 'up': this.overlayTop--; break;
      case 'down': this.overlayTop++; break;
      case 'pageup': this.overlayTop -= page; break;
      case 'pagedown': this.overlayTop += page; break;
      case 'home': this.overlayTop = 0; break;
      case 'end': this.overlayTop = this.overlayMax; break;
      default: return false;
    }
    this.overlayTop = Math.max(0, Math.min(this.overlayTop, this.overlayMax));
    return true;
  }

  /**
   * One message on the message line for `ms`. Too long for it (a written pcap's
   * `tshark -d tcp.port==1884,mqtt`, an upstream error), it goes on over the key bar
   * while it shows, unless `wrap` is false (the start-up hint: the key bar matters more).
   */
  flash(text: string, colour: string | null = null, ms = 4000, wrap = true): void {
    this.message = { text, colour, until: Date.now() + ms, wrap };
    this.requestRender();
    setTimeout(() => this.requestRender(), ms + 10).unref?.();
  }

  // ---- keys -------------------------------------------------------------------

  private onKey(ch: string | undefined, key: KeyLike): void {
    if (this.destroyed) return;
    // blessed reports CR twice: as 'enter' and then as 'return'. Keep one.
    if (key.name === 'return') return;
    if (key.name === 'linefeed') key = { ...key, name: 'enter' };
    // ESC and the next key in one read (typed fast, or over a slow link) come
    // as Meta+key; nothing is bound to Meta, so take them as the two keys.
    const seq = key.sequence ?? '';
    if (seq.startsWith('\x1b\x1b') || (key.meta && !key.ctrl && seq.length === 2 && seq[0] === '\x1b')) {
      this.onKey(undefined, { name: 'escape', sequence: '\x1b' });
      const rest = seq.slice(1);
      const again = rest === '\x1b' ? { name: 'escape', sequence: rest } : { ...key, meta: false, sequence: rest };
      this.onKey(rest.length === 1 && rest !== '\x1b' ? rest : undefined, again);
      return;
    }
    const name = key.name ?? '';
    if (key.ctrl && name === 'c') { this.quit(); return; }
    if (key.ctrl && name === 'l') { this.repaint(); return; }
    if (this.overlay) {
      if (!this.scrollOverlay(key.name ?? '')) { this.overlay = null; this.overlayTop = 0; }
      this.renderNow();
      return;
    }
    if (this.prompt) { this.promptKey(ch, key); this.renderNow(); return; }
    if (this.globalKey(ch, name)) { this.renderNow(); return; }
    if (this.mode === 'packets') this.packetKey(ch, name, key);
    else this.sideKey(ch === 'g' ? 'home' : ch === 'G' ? 'end' : name);
    this.renderNow();
  }

  private globalKey(ch: string | undefined, name: string): boolean {
    switch (ch) {
      case 'q': this.quit(); return true;
      case '?': this.overlay = 'keys'; this.overlayTop = 0; return true;
      case 'h': if (this.opts.help) { this.overlay = 'lab'; this.overlayTop = 0; return true; } return false;
      case '/': this.prompt = { kind: 'filter', editor: new LineEditor('filter', this.state.filterExpr), error: null }; return true;
      case 'w': this.prompt = { kind: 'write', editor: new LineEditor('path', defaultPcapName()), error: null }; return true;
      case 'f': this.held = null; this.state.follow = true; this.state.setPaused(false); this.flash('following new packets'); return true;
      case '1': case 'p': this.mode = 'packets'; return true;
      case '2': case 'c': this.mode = 'clients'; return true;
      case '3': case 't': this.mode = 'topics'; return true;
      case '4': case 'o': this.mode = 'flows'; return true;
      case '5': case 'x': this.mode = 'findings'; return true;
    }
    if (name === 'space' && !(this.mode === 'packets' && this.focus === 'tree')) {
      this.state.setPaused(!this.state.paused);
      this.flash(this.state.paused ? 'display paused (capture continues); space resumes' : 'display resumed');
      return true;
    }
    if (name === 'escape') {
      this.mode = 'packets';
      this.focus = 'list';
      this.state.marked.clear();
      return true;
    }
    return false;
  }

  private packetKey(ch: string | undefined, name: string, key: KeyLike): void {
    if (name === 'tab') {
      // Only the panes on screen take the focus (a short terminal shows the list only).
      const order = this.focusable();
      if (order.length === 1) { this.flash(NO_DETAIL_PANES, 'yellow-fg'); return; }
      const i = Math.max(0, order.indexOf(this.focus));
      this.focus = order[(i + (key.shift ? order.length - 1 : 1)) % order.length]!;
      this.holdPacket();
      // The cursor starts on the selected field: one left at an offset of the previous
      // packet (the tree's selection moved to another field, or the packet is shorter)
      // sat on a byte the highlighted field does not own.
      if (this.focus === 'hex') {
        const hl = this.highlight();
        const c = this.hexCursor;
        if (c === null || (hl ? c < hl[0] || c >= hl[1] : c >= (this.treeRec?.bytes.length ?? 0))) this.hexCursor = hl?.[0] ?? 0;
      }
      return;
    }
    if (ch === 'n' || ch === 'N') { this.nextProblem(ch === 'n' ? 1 : -1); return; }
    if (this.focus === 'list') this.listKey(ch, name);
    else if (this.focus === 'tree') this.treeKey(ch, name);
    else this.hexKey(ch === 'g' ? 'home' : ch === 'G' ? 'end' : name);
  }

  /**
   * The tree or hex pane took the focus: stop following, so that the packet being read
   * stays put. Following moved the selection to each new packet, and a keep-alive
   * PINGREQ replaced the tree under the reader. `f`, `End` or `G` follow again.
   */
  private holdPacket(): void {
    // Nothing to read yet (waiting for packets): the first ones are followed as usual.
    if (this.focus === 'list' || !this.state.follow || !this.opts.live || this.state.count() === 0) return;
    this.state.follow = false;
    this.flash('not following new packets while you read this one (f follows again)');
  }

  /** The packet-view panes on screen, in Tab order. */
  private focusable(): Focus[] {
    return (['list', 'tree', 'hex'] as const).filter((f) => f === 'list' || this.layout[f].height > 0);
  }

  private listKey(ch: string | undefined, name: string): void {
    const s = this.state;
    const vp = this.listVp();
    // A packet held after it left the list: the first move starts from the top row.
    if (this.held && name !== 'enter' && (['up', 'down', 'k', 'j', 'pageup', 'pagedown', 'home', 'end'].includes(name) || ch === 'g' || ch === 'G')) {
      this.held = null;
      if (name !== 'home' && name !== 'end' && ch !== 'g' && ch !== 'G') { vp.select(0); s.follow = false; this.storeVp(vp); return; }
    }
    const before = vp.sel;
    switch (name) {
      case 'up': case 'k': vp.move(-1); break;
      case 'down': case 'j': vp.move(1); break;
      case 'pageup': vp.page(-1); break;
      case 'pagedown': vp.page(1); break;
      case 'home': vp.home(); break;
      case 'end': vp.end(); s.follow = true; break;
      case 'enter':
        if (this.layout.tree.height > 0) { this.focus = 'tree'; this.holdPacket(); }
        else this.flash(NO_DETAIL_PANES, 'yellow-fg');
        return;
      default:
        if (ch === 'g') vp.home();
        else if (ch === 'G') { vp.end(); s.follow = true; }
        else return;
    }
    // Scrolling away from the newest packet stops following; reaching it again does not restart it.
    if (name !== 'end' && ch !== 'G' && vp.sel !== before) s.follow = false;
    this.storeVp(vp);
  }

  private treeKey(ch: string | undefined, name: string): void {
    const t = this.tree;
    switch (name) {
      case 'up': case 'k': t.move(-1); break;
      case 'down': case 'j': t.move(1); break;
      case 'pageup': t.move(-Math.max(1, this.layout.tree.height - 1)); break;
      case 'pagedown': t.move(Math.max(1, this.layout.tree.height - 1)); break;
      case 'home': t.move(-Number.MAX_SAFE_INTEGER); break;
      case 'end': t.move(Number.MAX_SAFE_INTEGER); break;
      case 'enter': case 'space': t.toggle(); break;
      case 'right': case 'l': t.right(); break;
      case 'left': case 'h': t.left(); break;
      default:
        if (ch === '*') t.expandAll(true);
        else if (ch === '-') t.expandAll(false);
        else if (ch === 'g') t.move(-Number.MAX_SAFE_INTEGER);
        else if (ch === 'G') t.move(Number.MAX_SAFE_INTEGER);
        else return;
    }
    const hl = this.highlight();
    if (hl) this.hexCursor = hl[0];
  }

  private hexKey(name: string): void {
    const rec = this.treeRec;
    if (!rec || rec.bytes.length === 0) return;
    const n = bytesPerLine(this.layout.hex.width, rec.bytes.length);
    let c = this.hexCursor ?? 0;
    switch (name) {
      case 'left': case 'h': c--; break;
      case 'right': case 'l': c++; break;
      case 'up': case 'k': c -= n; break;
      case 'down': case 'j': c += n; break;
      case 'pageup': c -= n * Math.max(1, this.layout.hex.height - 1); break;
      case 'pagedown': c += n * Math.max(1, this.layout.hex.height - 1); break;
      case 'home': c = 0; break;
      case 'end': c = rec.bytes.length - 1; break;
      default: return;
    }
    c = Math.max(0, Math.min(rec.bytes.length - 1, c));
    this.hexCursor = c;
    this.tree.selectByte(c);
  }

  private nextProblem(dir: 1 | -1): void {
    const s = this.state;
    const [a, b] = s.range();
    for (let i = s.sel + dir; i >= a && i < b; i += dir) {
      const r = s.shown.get(i);
      if (r && (hasProblem(r) || s.inFinding(r))) { this.held = null; s.sel = i; s.follow = false; this.focus = 'list'; return; }
    }
    this.flash('no further packet with a finding or note');
  }

  private sideKey(name: string): void {
    const mode = this.mode as SideName;
    const vp = this.sideVp[mode];
    switch (name) {
      case 'up': case 'k': vp.move(-1); break;
      case 'down': case 'j': vp.move(1); break;
      case 'pageup': vp.page(-1); break;
      case 'pagedown': vp.page(1); break;
      case 'home': vp.home(); break;
      case 'end': vp.end(); break;
      case 'enter':
        // Clients and topics have no packets to jump to: Enter shows the details in full.
        if (mode === 'findings' || mode === 'flows') this.jumpFromSide(mode, vp.sel);
        else { this.overlay = 'details'; this.overlayTop = 0; }
        break;
      case 'd': this.overlay = 'details'; this.overlayTop = 0; break;
    }
  }

  /** Enter on a finding (or a flow): show its packets in the list. */
  private jumpFromSide(mode: SideName, i: number): void {
    let frames: number[] = [];
    let conn: string | undefined;
    let what = '';
    if (mode === 'findings') {
      const f: Finding | undefined = this.state.findings[i];
      if (!f) return;
      frames = f.frames; conn = f.conn; what = `finding ${f.code}`;
    } else if (mode === 'flows') {
      const fl = this.sideData().flows[i];
      if (!fl) return;
      frames = fl.frames; conn = fl.conn; what = `${fl.kind} flow`;
    } else return;
    if (frames.length === 0) { this.flash(`${what} names no packet`, 'yellow-fg'); return; }
    const s = this.state;
    let idx = s.findFrame(frames, conn);
    let cleared = false;
    if (idx < 0 && s.filterExpr) {
      s.setFilter('', null);
      idx = s.findFrame(frames, conn);
      cleared = idx >= 0;
    }
    if (idx < 0) { this.flash(`frames ${frames.join(', ')} are no longer kept`, 'yellow-fg'); return; }
    s.marked = new Set(frames);
    this.held = null;
    s.sel = idx;
    s.follow = false;
    this.mode = 'packets';
    this.focus = 'list';
    // Always say it: a lasting message (a lab's narration) must not hide where the marks are.
    this.flash(`frames ${frames.join(', ')} marked * (${what}${cleared ? '; filter cleared' : ''}; Esc clears)`, cleared ? 'yellow-fg' : null, 8000);
  }

  private promptKey(ch: string | undefined, key: KeyLike): void {
    const p = this.prompt!;
    const r = p.editor.key(ch, key);
    if (r === 'cancel') { this.prompt = null; return; }
    if (p.kind === 'filter') {
      if (r === 'changed') p.error = checkFilter(p.editor.value);
      if (r === 'submit') {
        p.error = checkFilter(p.editor.value);
        if (p.error) return; // stay open with the error shown
        this.applyFilter(p.editor.value);
        this.prompt = null;
      }
      return;
    }
    if (r === 'submit') {
      const path = p.editor.value.trim() || defaultPcapName();
      this.prompt = null;
      void this.writePcap(path);
    }
  }

  applyFilter(expr: string): void {
    this.held = null;
    if (!expr.trim()) { this.state.setFilter('', null); this.flash('filter cleared'); return; }
    try {
      const fn = compileFilter(expr);
      this.state.setFilter(expr, fn);
      this.flash(`filter applied: ${this.state.count()} of ${this.state.all.size} kept packets match`, 'green-fg');
    } catch (err) {
      this.flash(`bad filter: ${(err as Error).message.split('\n')[0]}`, 'red-fg', 8000);
    }
  }

  private async writePcap(path: string): Promise<void> {
    const recs = this.state.shownRecords();
    try {
      const res = await (this.opts.onWritePcap ?? writeRecordsPcap)(recs, path);
      // A message too long for one line wraps at spaces onto the key bar: the path (with its
      // ';') must then fit on the first line after "wrote N packets to ", for the hint that
      // follows it to show whole on the second.
      const W = this.layout.help.width || (this.screen.width as number);
      const full = res ? pcapWrittenText(path, res) : '';
      const maxPath = full.length <= W ? Infinity : W - `wrote ${res?.packets ?? 0} packets to `.length - 1;
      this.flash(res ? pcapWrittenText(path, res, maxPath) : `wrote ${recs.length} packets to ${path}`, 'green-fg', res?.portsToName.length || res?.otherPorts?.length ? 12000 : 6000);
    } catch (err) {
      // As above: the reason goes on the second line, so the path must leave it room.
      const why = describeFsError(err as NodeJS.ErrnoException);
      const W = this.layout.help.width || (this.screen.width as number);
      const whole = `could not write ${path}: ${why}`;
      this.flash(whole.length <= W ? whole : `could not write ${shortenPath(path, W - 'could not write '.length - 1)}: ${why}`, 'red-fg', 8000);
    }
  }

  // ---- lifecycle ----------------------------------------------------------------

  quit(): void {
    if (this.destroyed) return;
    this.destroy();
    this.opts.onQuit?.();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      this.screen.destroy();
    } catch {
      // the terminal is gone already
    }
    for (const r of this.doneResolvers) r();
  }
}

/** The packet's warn/error notes as one-liners, for the tree pane and the message line. */
function packetNotes(rec: PacketRecord): string[] {
  const out: string[] = [];
  for (const n of rec.notes) if (n.severity !== 'info') out.push(`! ${n.severity}: ${n.text}${n.spec ? ` [${n.spec}]` : ''}`);
  for (const f of rec.findings) out.push(`! finding: ${f} (5 or x: findings view)`);
  return out;
}

function checkFilter(expr: string): { text: string; position: number } | null {
  if (!expr.trim()) return null;
  try {
    compileFilter(expr);
    return null;
  } catch (err) {
    if (err instanceof FilterSyntaxError) return { text: err.reason, position: err.position };
    return { text: (err as Error).message, position: 0 };
  }
}
