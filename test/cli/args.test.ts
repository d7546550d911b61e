// Usage errors from argument parsing are one line (DESIGN.md: "one clear line").
import { describe, expect, it } from 'vitest';
import { parseCommandArgs, parseHostPort } from '../../src/cli/args.js';
import { mqttscope } from '../read/run.js';
import { UsageError } from '../../src/cli/errors.js';

const OPTS = { 'delivery-window': { type: 'string' }, filter: { type: 'string', short: 'Y' }, summary: { type: 'boolean' } } as const;

function usageError(argv: string[]): string {
  try {
    parseCommandArgs(argv, OPTS);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('no usage error');
}

describe('parseCommandArgs errors', () => {
  it('a value that starts with a dash: one line saying how to give it', () => {
    expect(usageError(['--delivery-window', '-1'])).toBe("--delivery-window needs a value; for a value that starts with '-', write --delivery-window=VALUE");
    expect(usageError(['-Y', '-x'])).toBe("-Y needs a value; for a value that starts with '-', write --filter=VALUE");
  });
  it('unknown options and other problems stay one line', () => {
    expect(usageError(['--nope'])).toBe('unknown option --nope');
    for (const argv of [['--filter'], ['--summary=3'], ['--delivery-window', '-1']]) expect(usageError(argv)).not.toContain('\n');
  });
  it('a missing value, or a value given to a flag, is said in the same words (not Node\'s "Option \'-Y, --filter <value>\' argument missing")', () => {
    expect(usageError(['--filter'])).toBe('--filter needs a value');
    expect(usageError(['-Y'])).toBe('--filter needs a value');
    expect(usageError(['--summary=3'])).toBe('--summary takes no value');
  });
  it('a stray argument to a command without positionals is said in the same words as the others', () => {
    try {
      parseCommandArgs(['extra'], OPTS, false);
      throw new Error('no usage error');
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe("unexpected argument 'extra' (this command takes options only)");
    }
  });
  it('--delivery-window=-1 still parses (the command then rejects the value)', () => {
    expect(parseCommandArgs(['--delivery-window=-1'], OPTS).values['delivery-window']).toBe('-1');
  });
});

describe('parseHostPort', () => {
  it('a listener may take port 0 (any free port); an address to connect to may not', () => {
    expect(parseHostPort('0', '--listen')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(() => parseHostPort('127.0.0.1:0', '--upstream', undefined, true)).toThrow(UsageError);
    expect(() => parseHostPort('127.0.0.1:0', '--upstream', undefined, true)).toThrow(/^--upstream: port 0 cannot be connected to/);
    expect(parseHostPort('[::1]:1883', '--upstream', undefined, true)).toEqual({ host: '::1', port: 1883 });
  });

  it('the commands that connect refuse port 0 with a usage error (exit 2)', () => {
    for (const argv of [['proxy', '--upstream', '127.0.0.1:0'], ['replay', 'captures/acl.pcap', '--to', '127.0.0.1:0'], ['up', '--broker', '127.0.0.1:0']]) {
      const r = mqttscope(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(/port 0 cannot be connected to/);
    }
  });
});
