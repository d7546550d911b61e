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
    if (unknown) throw new UsageError(`unknown option ${unknown[1]}`);
    // An option followed by something starting with '-' (a negative number, another option):
    // Node explains it in three lines; one is enough.
    const ambiguous = /^Option '([^']+)' argument is ambiguous\.[\s\S]*?use '(--[^=']+)=/.exec(msg);
    if (ambiguous) throw new UsageError(`${ambiguous[1]} needs a value; for a value that starts with '-', write ${ambiguous[2]}=VALUE`);
    // "Option '-Y, --filter <value>' argument missing": said as the other value errors are.
    const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(msg);
    if (missing) throw new UsageError(`${missing[1]} needs a value`);
    const noValue = /^Option '(--[\w-]+)' does not take an argument/.exec(msg);
    if (noValue) throw new UsageError(`${noValue[1]} takes no value`);
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
