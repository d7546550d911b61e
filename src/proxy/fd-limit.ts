// The open-file limit (ulimit -n) and the connections it allows. Each proxied
// connection holds two descriptors (client and broker). Past the limit, libuv
// accepts the waiting clients and closes them at once (its EMFILE handling), so
// they are reset without the proxy hearing of them: the warning has to come
// before, while there is still room.
import { readdirSync, readFileSync } from 'node:fs';

/** The soft limit on open files of this process (Linux /proc), or null when unknown or unlimited. */
export function openFileLimit(limitsText?: string): number | null {
  let text = limitsText;
  if (text === undefined) {
    try { text = readFileSync('/proc/self/limits', 'utf8'); } catch { return null; }
  }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** Descriptors this process has open now (Linux /proc), or null when unknown. */
export function openFileCount(): number | null {
  try { return readdirSync('/proc/self/fd').length - 1; } catch { return null; } // less the directory's own
}

/**
 * Warns once when the open connections come near the open-file limit; again only after
 * they have fallen to half the number it warned at.
 */
export class FdWatch {
  private warnedAt = 0;
  private readonly margin: number;

  constructor(
    private readonly limit: number | null = openFileLimit(),
    private readonly count: () => number | null = openFileCount,
  ) {
    this.margin = limit === null ? 0 : Math.max(16, Math.floor(limit / 20));
  }

  /** After a connection was accepted (`active` proxied connections open): the warning line, or null. */
  check(active: number): string | null {
    if (this.limit === null) return null;
    if (this.warnedAt > 0) {
      if (active > this.warnedAt / 2) return null;
      this.warnedAt = 0;
    }
    // Cheap test first: reading /proc only once two descriptors a connection come near the limit.
    if (2 * active + 64 < this.limit - this.margin) return null;
    const open = this.count();
    if (open === null) return null;
    const free = this.limit - open - 1; // the broker connection of this client is not open yet
    if (free >= this.margin) return null;
    this.warnedAt = active;
    const more = Math.max(0, Math.floor(free / 2));
    return `${active} connections are open and this process may have at most ${this.limit} files open (ulimit -n), `
      + `${open} of them now; each connection takes two (client and broker), so about ${more} more clients can connect. `
      + 'Past that the operating system resets new clients before mqttscope sees them, and nothing more is logged. '
      + 'Raise the limit before starting mqttscope, e.g. ulimit -n 65536';
  }
}
