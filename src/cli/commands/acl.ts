// `mqttscope acl explain`: why a mosquitto acl_file allows or denies one access.
import { parseCommandArgs } from '../args.js';
import { CliError, UsageError } from '../errors.js';
import { AclFileError, effectiveUsername, explain, loadAclFile, type CheckAccess } from '../../acl/index.js';
import { escapeControls } from '../../acl/mosquitto-text.js';
import { jsonLine } from '../../views/json.js';

/** Every option `acl explain` accepts (each one is in the usage text). */
export const options = {
  acl: { type: 'string' },
  user: { type: 'string' },
  'client-id': { type: 'string' },
  read: { type: 'string' },
  write: { type: 'string' },
  subscribe: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const summary = 'explain mosquitto ACL decisions (acl explain ...)';

export const usage = `usage: mqttscope acl explain --acl FILE [--user U] [--client-id C] (--read|--write|--subscribe) TOPIC [--json]

Shows every acl_file rule mosquitto 2.0 considers for one access, in the order
mosquitto checks them, why each one matched or not, and the verdict.

Options:
  --acl FILE          the mosquitto acl_file
  --user U            the client's username (omit, or give '', for a client
                      without one: mosquitto reads an empty username as none)
  --client-id C       the client id, for patterns with %c; without it the
                      verdict says whether (and how) the client id changes it
  --read TOPIC        may the client receive messages on TOPIC?
  --write TOPIC       may the client publish to TOPIC?
  --subscribe FILTER  is a SUBSCRIBE to FILTER granted? (always, in mosquitto 2.0,
                      unless the filter is invalid: then the connection is closed)
  --json              print the explanation as one JSON object
  -h, --help          this help

Exit status: 0 when the explanation was printed, whatever the verdict;
1 when the acl_file has an error (reported as FILE:LINE); 2 on usage errors.

Example (the Spanish tutorial: users admin, user1, user2), with acl.txt:
    pattern readwrite +/+/+/%u
    user admin
    topic readwrite #
  mqttscope acl explain --acl acl.txt --user user1 --write panama/colon/user1
  → DENIED: pattern readwrite +/+/+/%u becomes +/+/+/user1; it has 4 levels
    and panama/colon/user1 has 3`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'explain') {
    throw new UsageError(sub === undefined ? "missing subcommand 'explain'" : `unknown subcommand '${sub}' (expected 'explain')`);
  }
  const { values, positionals } = parseCommandArgs(rest, options, false);
  void positionals;
  if (!values.acl) throw new UsageError('--acl FILE is required');
  const chosen = (['read', 'write', 'subscribe'] as const).filter((k) => values[k] !== undefined);
  if (chosen.length !== 1) throw new UsageError('give exactly one of --read TOPIC, --write TOPIC or --subscribe FILTER');
  const access: CheckAccess = chosen[0]!;
  const topic = values[access]!;
  if (topic === '') throw new UsageError(`--${access} needs a non-empty topic`);
  if (access !== 'subscribe' && /[+#]/.test(topic)) {
    throw new UsageError(`--${access} takes a topic name without wildcards; use --subscribe for a filter`);
  }

  let acl;
  try {
    acl = await loadAclFile(values.acl);
  } catch (err) {
    if (err instanceof AclFileError) throw new CliError(err.message, { code: err.code, exitCode: 1 });
    throw err;
  }
  for (const w of acl.warnings) process.stderr.write(`warning: ${w}\n`);
  const ex = explain(acl, { username: values.user ?? null, clientId: values['client-id'], access, topic });
  if (values.json) {
    process.stdout.write(jsonLine({
      allowed: ex.allowed,
      access,
      topic,
      username: effectiveUsername(values.user),
      client_id: values['client-id'] ?? null,
      deciding_rule: ex.decidingRule && { line: ex.decidingRule.line, text: ex.decidingRule.text },
      depends_on_client_id: ex.dependsOnClientId,
      client_id_skipped_lines: ex.clientIdSkipped.map((r) => r.line),
      client_id_examples: ex.alternatives.map((a) => ({ client_id: a.clientId, allowed: a.allowed, deciding_line: a.decidingRule?.line ?? null })),
      steps: ex.steps.map((s) => ({ line: s.line, rule: s.rule?.text ?? null, matched: s.matched, decided: s.decided, reason: s.reason })),
      // The sentences after "Verdict:" (for --subscribe, what the granted subscription can deliver).
      verdict: ex.text.slice(ex.text.indexOf('\nVerdict: ') + '\nVerdict: '.length),
      // --subscribe: whether anything can ever be delivered on the granted filter, and which lines decide it.
      delivers: ex.reach && {
        filter: ex.reach.filter,
        never: ex.reach.never,
        reader_lines: ex.reach.readers.map((r) => r.line),
        deny_lines: ex.reach.denies.map((r) => r.line),
        covering_deny_line: ex.reach.coveringDeny?.line ?? null,
        client_id_lines: ex.reach.unknownClientId.map((r) => r.line),
      },
    }) + '\n');
  } else {
    process.stdout.write(`${values.acl}:\n${ex.text.split('\n').map(escapeControls).join('\n')}\n`);
  }
  return 0;
}
