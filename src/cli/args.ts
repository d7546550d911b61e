import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parse a command's arguments strictly; unknown options are usage errors. */
export function parseCommandArgs<O extends OptionSpec>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    // Node's message for an unknown option adds advice about '--' that confuses here.
    const msg = (err as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(msg);
    if (unknown) {
      const written = unknown[1]!;
      const near = written.startsWith('--') ? closest(written.slice(2), Object.keys(options)) : undefined;
      throw new UsageError(`unknown option ${written}${near !== undefined ? `; did you mean --${near}?` : ''}`);
    }
    // An option followed by something starting with '-' (a negative number, another option):
    // Node explains it in three lines; one is enough.
    const ambiguous = /^Option '([^']+)' argument is ambiguous\.[\s\S]*?use '(--[^=']+)=/.exec(msg);
    if (ambiguous) throw new UsageError(`${ambiguous[1]} needs a value; for a value that starts with '-', write ${ambiguous[2]}=VALUE`);
    // "Option '-Y, --filter <value>' argument missing": said as the other value errors are.
    const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(msg);
    if (missing) throw new UsageError(`${missing[1]} needs a value`);
    const noValue = /^Option '(--[\w-]+)' does not take an argument/.exec(msg);
    if (noValue) throw new UsageError(`${noValue[1]} takes no value`);
    const positional = /^Unexpected argument '(.*)'\. This command does not take positional arguments/.exec(msg);
    if (positional) throw new UsageError(`unexpected argument '${positional[1]}' (this command takes options only)`);
    throw new UsageError(msg.split('\n')[0]!);
  }
}

/**
 * Parse `[HOST:]PORT`; a bare port means 127.0.0.1. Port 0 is a listener's "any free
 * port"; an address to connect to (`connect`) cannot be port 0.
 */
export function parseHostPort(s: string, what: string, defaultHost = '127.0.0.1', connect = false): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s);
  const host = m ? (m[1] ?? m[2] ?? defaultHost) || defaultHost : defaultHost;
  const portStr = m ? m[3]! : s;
  const port = Number(portStr);
  if (!/^\d+$/.test(portStr) || port < 0 || port > 65535) {
    throw new UsageError(`${what}: expected [HOST:]PORT, got '${s}'`);
  }
  if (connect && port === 0) throw new UsageError(`${what}: port 0 cannot be connected to (it means "any free port" only for a listener); give the broker's port, e.g. ${host}:1883`);
  return { host, port };
}

/**
 * The name in `pool` closest to `written` (a typo: letters swapped, missing, extra or
 * wrong), for a "did you mean"; undefined when nothing is close enough to be a typo.
 */
export function closest(written: string, pool: Iterable<string>): string | undefined {
  const w = written.toLowerCase();
  // One edit per four letters, at least one: 'raed' → 'read', 'lsit' → 'list'; 'foo' → nothing.
  const limit = Math.max(1, Math.floor(w.length / 4));
  const names = [...pool];
  // A unique start of a name ('--sum' for --summary) is taken as that name.
  const starts = w.length >= 3 ? names.filter((c) => c.toLowerCase().startsWith(w)) : [];
  if (starts.length === 1) return starts[0];
  let best: string | undefined;
  let bestD = limit + 1;
  for (const c of names) {
    const d = typoDistance(w, c.toLowerCase());
    if (d < bestD) { best = c; bestD = d; }
  }
  return best;
}

/** Edit distance counting a swap of two neighbouring letters as one edit. */
function typoDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
