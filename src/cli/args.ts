import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parse a command's arguments strictly; unknown options are usage errors. */
export function parseCommandArgs<O extends OptionSpec>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Parse `[HOST:]PORT`; a bare port means 127.0.0.1. */
export function parseHostPort(s: string, what: string, defaultHost = '127.0.0.1'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s);
  const host = m ? (m[1] ?? m[2] ?? defaultHost) || defaultHost : defaultHost;
  const portStr = m ? m[3]! : s;
  const port = Number(portStr);
  if (!/^\d+$/.test(portStr) || port < 0 || port > 65535) {
    throw new UsageError(`${what}: expected [HOST:]PORT, got '${s}'`);
  }
  return { host, port };
}
