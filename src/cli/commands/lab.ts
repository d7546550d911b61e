// `mqttscope lab NAME [--fast] [--format tui|line]` and `mqttscope lab --list`.
import { findLab, LABS, runLab } from '../../lab/index.js';
import { closest, parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';

export const summary = 'teaching labs (lab --list)';

export const usage = `usage: mqttscope lab NAME [--fast] [--format tui|line] [--show-secrets] [--no-color]
       mqttscope lab --list

Runs a scripted MQTT scenario against the bundled broker, through the proxy,
and shows it: the TUI with an explanation of what to look at when stdout is a
terminal, otherwise the line view (the lab then exits when its script ends).
q (in the TUI), Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stops a lab early;
it cleans up and exits 0.

Labs:
${LABS.map((l) => `  ${l.name.padEnd(17)} ${l.summary}`).join('\n')}

Options:
  --list            list the labs
  --fast            no pauses between the steps (tests, CI)
  --format tui|line the view (default: tui on a terminal, else line)
  --show-secrets    show passwords and MQTT 5 Authentication Data instead of ********
  --no-color        no ANSI colours in the line view
  -h, --help        this help

Example: mqttscope lab acl        (then press 5 for the findings)
`;

/** Every option `lab` accepts (each one is in the usage text). */
export const options = {
  list: { type: 'boolean' },
  fast: { type: 'boolean' },
  format: { type: 'string' },
  'show-secrets': { type: 'boolean' },
  'no-color': { type: 'boolean' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, options);
  if (values.list) {
    const w = Math.max(...LABS.map((l) => l.name.length));
    for (const l of LABS) process.stdout.write(`${l.name.padEnd(w)}  ${l.summary}\n`);
    return 0;
  }
  const name = positionals[0];
  if (name === undefined) throw new UsageError('which lab? (mqttscope lab --list)');
  if (positionals.length > 1) throw new UsageError(`one lab at a time, got ${positionals.join(' ')}`);
  const lab = findLab(name);
  if (!lab) {
    const near = closest(name, LABS.map((l) => l.name));
    const all = LABS.map((l) => l.name).join(', ');
    throw new UsageError(`unknown lab '${name}'; ${near !== undefined ? `did you mean '${near}'? (the labs: ${all})` : `choose one of: ${all}`}`);
  }
  const format = values.format ?? (process.stdout.isTTY && process.stdin.isTTY ? 'tui' : 'line');
  if (format !== 'tui' && format !== 'line') throw new UsageError(`--format: expected tui or line, got '${format}'`);
  // The TUI into a pipe or a file is escape sequences and a lab that never ends (it waits for q).
  if (format === 'tui' && !process.stdout.isTTY) throw new UsageError('--format tui needs a terminal on stdout; use --format line when piping or redirecting');
  await runLab(lab, {
    fast: values.fast ?? false,
    tui: format === 'tui',
    color: !values['no-color'] && Boolean(process.stdout.isTTY) && process.env['NO_COLOR'] === undefined,
    showSecrets: values['show-secrets'] ?? false,
  });
  return 0;
}
