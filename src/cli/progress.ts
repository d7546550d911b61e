// Progress line on stderr for long work (reading a capture, replay). Shown only
// when stderr is a TTY: bytes done out of the total, packets per second, time left.
// When stderr is not a TTY every method is a no-op, so callers need no checks.

export interface ProgressOptions {
  /** Label in front of the line, e.g. the file name. */
  label?: string;
  /** Total bytes (or units) expected. */
  total: number;
  /** Force on/off (tests); default: process.stderr.isTTY. */
  enabled?: boolean;
  /** Where to draw; default process.stderr. */
  stream?: { write(s: string): unknown; columns?: number };
  /** Minimum milliseconds between redraws. Default 200. */
  intervalMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  // Digits chosen on the rounded value: 1048575 B is 1.00 MiB, not 1024 KiB; 10239 B is 10.0 KiB, not 10.00.
  if (Number(v.toFixed(0)) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${Number(v.toFixed(2)) < 10 ? v.toFixed(2) : Number(v.toFixed(1)) < 100 ? v.toFixed(1) : v.toFixed(0)} ${units[i]}`;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '--:--';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = String(m).padStart(2, '0'), ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class Progress {
  readonly enabled: boolean;
  private readonly stream: { write(s: string): unknown; columns?: number };
  private readonly label: string;
  private readonly interval: number;
  private readonly now: () => number;
  private total: number;
  private readonly start: number;
  private last = 0;
  private drawn = false;

  constructor(opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.enabled = opts.enabled ?? Boolean(process.stderr.isTTY);
    this.label = opts.label ?? '';
    this.total = opts.total;
    this.interval = opts.intervalMs ?? 200;
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
  }

  /** The line for `done` bytes and `packets` so far (exported for tests). */
  line(done: number, packets: number): string {
    const elapsed = Math.max((this.now() - this.start) / 1000, 1e-6);
    const pct = this.total > 0 ? Math.min(100, (done / this.total) * 100) : 0;
    const pps = packets / elapsed;
    const bps = done / elapsed;
    const left = bps > 0 && this.total > 0 ? (this.total - done) / bps : NaN;
    const parts = [
      `${formatBytes(done)}/${formatBytes(this.total)} (${pct.toFixed(0)}%)`,
      `${Math.round(pps).toLocaleString('en-US')} pkt/s`,
      `${formatDuration(left)} left`,
    ];
    return (this.label ? `${this.label}: ` : '') + parts.join(' · ');
  }

  /** Report progress; redraws at most every `intervalMs`. */
  update(done: number, packets: number): void {
    if (!this.enabled) return;
    const t = this.now();
    if (this.drawn && t - this.last < this.interval) return;
    this.last = t;
    this.drawn = true;
    let s = this.line(done, packets);
    const cols = this.stream.columns;
    if (cols && s.length > cols - 1) s = s.slice(0, cols - 1);
    this.stream.write(`\r\x1b[2K${s}`);
  }

  setTotal(total: number): void {
    this.total = total;
  }

  /** Erase the line (before other stderr output and at the end). */
  clear(): void {
    if (!this.enabled || !this.drawn) return;
    this.stream.write('\r\x1b[2K');
    this.drawn = false;
    this.last = 0;
  }
}
