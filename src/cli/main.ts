// Command dispatcher: `mqttscope COMMAND ...`. Each command lives in
// commands/NAME.ts and exports `run(argv): Promise<number>` plus `usage`.
import { readFileSync } from 'node:fs';
import { closest } from './args.js';
import { CliError, UsageError } from './errors.js';

export interface Command {
  run(argv: string[]): Promise<number>;
  usage: string;
  summary: string;
}

// A static map (not a template import) so bundlers and vitest can resolve every command.
const COMMANDS: Record<string, () => Promise<unknown>> = {
  up: () => import('./commands/up.js'),
  proxy: () => import('./commands/proxy.js'),
  broker: () => import('./commands/broker.js'),
  read: () => import('./commands/read.js'),
  decode: () => import('./commands/decode.js'),
  replay: () => import('./commands/replay.js'),
  acl: () => import('./commands/acl.js'),
  lab: () => import('./commands/lab.js'),
  cert: () => import('./commands/cert.js'),
};

function topUsage(): string {
  return [
    'usage: mqttscope [COMMAND] [OPTIONS]',
    '',
    'Commands:',
    '  up        bundled broker + proxy on 127.0.0.1:1883 + live view (the default)',
    '  proxy     transparent MQTT proxy in front of any broker',
    '  broker    the bundled broker (aedes) with mosquitto password/ACL files',
    '  read      read pcap/pcapng captures',
    '  decode    decode packets given as hex',
    '  replay    replay the client side of a capture against a broker',
    '  acl       explain mosquitto ACL decisions (acl explain ...)',
    '  lab       teaching labs (lab --list)',
    '  cert      generate a throwaway CA and server certificate',
    '',
    "Run 'mqttscope COMMAND --help' for a command's options; 'mqttscope --version' for the version.",
    'Example: mqttscope up   then   mosquitto_pub -t Room1/Light -m "Turn On"',
  ].join('\n');
}

/** `--help`, `-h`, and `-help` as Go and Java programs take it (parsed as -h -e -l -p, it was "unknown option -h"). */
const isHelp = (a: string): boolean => a === '--help' || a === '-h' || a === '-help';

export async function main(argv: string[]): Promise<number> {
  let [name, ...rest] = argv;
  // `mqttscope help` and `mqttscope help COMMAND [...]`, as in git and npm.
  if (name === 'help') {
    if (rest[0] === undefined) { process.stdout.write(topUsage() + '\n'); return 0; }
    name = rest[0];
    rest = ['--help'];
  }
  /** An option given before any command: `up` gets it, but it may be a mistyped --help or --version. */
  const topOption = name !== undefined && name.startsWith('-') ? name : undefined;
  if (name === undefined || name.startsWith('-')) {
    if (isHelp(name ?? '')) { process.stdout.write(topUsage() + '\n'); return 0; }
    // Before, --version went to up as an option and came back as "mqttscope up: unknown option".
    if (name === '--version') { process.stdout.write(`mqttscope ${version()}\n`); return 0; }
    rest = name === undefined ? [] : argv;
    name = 'up';
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    // One line, as for every usage error: a likely typo is named, otherwise the commands are.
    const near = closest(name, Object.keys(COMMANDS));
    // A capture file or a hex packet given without its command.
    const meant = near !== undefined ? near
      : /\.(pcap|pcapng|cap)$/i.test(name) ? `read ${name}`
      : /^(?:[0-9a-f]{2}){2,}$/i.test(name) && /\d/.test(name) ? `decode ${name}`
      : undefined;
    const hint = meant !== undefined ? `did you mean '${near !== undefined ? near : `mqttscope ${meant}`}'?`
      : name === 'version' ? "the version is 'mqttscope --version'"
      : `the commands are ${Object.keys(COMMANDS).join(', ')}`;
    process.stderr.write(`mqttscope: unknown command '${name}'; ${hint}\nRun 'mqttscope --help' for what each command does.\n`);
    return 2;
  }
  let cmd: Command;
  try {
    cmd = (await load()) as Command;
  } catch (err) {
    process.stderr.write(`mqttscope: command '${name}' is not available: ${(err as Error).message}\n`);
    return 1;
  }
  if (rest.some(isHelp)) {
    process.stdout.write(cmd.usage.trimEnd() + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      // `mqttscope --verison` or `-V`: up does not know the option, and it is not up's.
      const top = topOption !== undefined && err.message === `unknown option ${topOption}` ? topLevelTypo(topOption) : undefined;
      if (top !== undefined) {
        process.stderr.write(`mqttscope: unknown option ${topOption}; did you mean 'mqttscope ${top}'?\nRun 'mqttscope --help' for what each command does.\n`);
        return 2;
      }
      process.stderr.write(`mqttscope ${name}: ${err.message}\n${cmd.usage.split('\n')[0]}\n`);
      return 2;
    }
    if (err instanceof CliError) {
      process.stderr.write(`mqttscope ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

/** `--version` or `--help` for a near miss of either (`-v` and `-V` are the version in many tools). */
function topLevelTypo(written: string): string | undefined {
  if (written === '-v' || written === '-V') return '--version';
  if (!written.startsWith('--')) return undefined;
  const near = closest(written.slice(2), ['help', 'version']);
  return near !== undefined ? `--${near}` : undefined;
}

/** The version in package.json (dist/cli and src/cli both sit two levels below it). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
