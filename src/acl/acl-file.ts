// mosquitto acl_file parser, following mosquitto 2.0's aclfile__parse():
//   # comment
//   topic [read|write|readwrite|deny] TOPIC     (no access word = readwrite)
//   user NAME                                   (following `topic` lines belong to NAME)
//   pattern [read|write|readwrite|deny] TOPIC   (applies to every client; %u, %c)
// `topic` lines before the first `user` line apply to clients without a username.
import { AclFileError, readConfigText } from './errors.js';

export type AclAccess = 'read' | 'write' | 'readwrite' | 'deny';

export interface AclRule {
  kind: 'topic' | 'pattern';
  access: AclAccess;
  /** Topic filter as written (patterns keep %u / %c). */
  topic: string;
  /** For `topic` rules: the `user` section (null = before any `user` line, i.e. anonymous clients). Always null for patterns. */
  user: string | null;
  file: string;
  line: number;
  /** The source line, trimmed. */
  text: string;
}

export interface AclFile {
  path: string;
  /** Every rule in file order. */
  rules: AclRule[];
  /** `topic` rules before any `user` line: they apply to clients that sent no username. */
  anonymous: AclRule[];
  /** `topic` rules per `user` section (sections with the same name are merged). */
  users: Map<string, AclRule[]>;
  /** `pattern` rules, which apply to every client wherever they appear. */
  patterns: AclRule[];
  /** Non-fatal remarks mosquitto also logs (e.g. a pattern without %u or %c). */
  warnings: string[];
}

const ACCESS = new Set<string>(['read', 'write', 'readwrite', 'deny']);

/** mosquitto_sub_topic_check(): '+' and '#' must fill a whole level, '#' only last. Returns a problem or null. */
export function filterProblem(filter: string): string | null {
  if (filter === '') return 'the topic is empty';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return `'#' must be a whole level and the last one`;
    if (l.includes('+') && l !== '+') return `'+' must be a whole level`;
  }
  return null;
}

export function parseAclFile(text: string, path: string): AclFile {
  const acl: AclFile = { path, rules: [], anonymous: [], users: new Map(), patterns: [], warnings: [] };
  let user: string | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line)!;
    const keyword = m[1]!;
    const rest = (m[2] ?? '').trim();
    if (keyword === 'user') {
      if (rest === '') throw new AclFileError(path, lineNo, `'user' needs a username`);
      user = rest;
      if (!acl.users.has(user)) acl.users.set(user, []);
      continue;
    }
    if (keyword !== 'topic' && keyword !== 'pattern') {
      throw new AclFileError(path, lineNo, `unknown keyword '${keyword}' (expected topic, pattern or user)`);
    }
    if (rest === '') throw new AclFileError(path, lineNo, `'${keyword}' needs a topic`);
    // Like mosquitto: one word is the topic; otherwise the first word is the access.
    const am = /^(\S+)\s+(.+)$/.exec(rest);
    let access: AclAccess = 'readwrite';
    let topic = rest;
    if (am) {
      if (!ACCESS.has(am[1]!)) {
        throw new AclFileError(path, lineNo, `invalid access '${am[1]}' (expected read, write, readwrite or deny)`);
      }
      access = am[1] as AclAccess;
      topic = am[2]!.trim();
    }
    const problem = filterProblem(topic);
    if (problem) throw new AclFileError(path, lineNo, `invalid ACL topic '${topic}': ${problem}`);
    const rule: AclRule = {
      kind: keyword, access, topic, user: keyword === 'topic' ? user : null, file: path, line: lineNo, text: line,
    };
    acl.rules.push(rule);
    if (keyword === 'pattern') {
      acl.patterns.push(rule);
      if (!topic.includes('%u') && !topic.includes('%c')) {
        acl.warnings.push(`${path}:${lineNo}: ACL pattern '${topic}' does not contain '%c' or '%u'.`);
      }
    } else if (user === null) {
      acl.anonymous.push(rule);
    } else {
      acl.users.get(user)!.push(rule);
    }
  }
  return acl;
}

export async function loadAclFile(path: string): Promise<AclFile> {
  return parseAclFile(await readConfigText(path, 'acl file'), path);
}
