// mosquitto acl_file parser, following mosquitto 2.0's aclfile__parse():
//   # comment                                   ('#' in the first column only)
//   topic [read|write|readwrite|deny] TOPIC     (no access word = readwrite)
//   user NAME                                   (following `topic` lines belong to NAME)
//   pattern [read|write|readwrite|deny] TOPIC   (applies to every client; %u, %c)
// `topic` lines before the first `user` line apply to clients without a username.
// Fields are separated by single spaces (strtok " "): a tab is part of a word.
import { readFile } from 'node:fs/promises';
import { AclFileError, readConfigText } from './errors.js';
import { MOSQUITTO_MAX_TOPIC_LEVELS } from './topic.js';
import { firstWord, keywordProblem, refusedCharacter, showWord, strayWhitespace, trimC, trimEndC } from './mosquitto-text.js';

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

const NO_TRAILING_COMMENT = "mosquitto has no comments after a rule, '#' starts one only in the first column";

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

/** The most bytes mosquitto_sub_topic_check() takes in a topic (an MQTT string's limit). */
const MAX_TOPIC_BYTES = 65535;

/**
 * mosquitto_sub_topic_check() also refuses an ACL topic of more than 65535 bytes or
 * with more than 200 '/' (checked before %u / %c are substituted): mosquitto then
 * does not start. Returns the problem or null.
 */
function sizeProblem(topic: string): string | null {
  const bytes = Buffer.byteLength(topic, 'utf8');
  if (bytes > MAX_TOPIC_BYTES) return `it is ${bytes} bytes long, and mosquitto takes at most ${MAX_TOPIC_BYTES}`;
  const slashes = topic.split('/').length - 1;
  if (slashes > MOSQUITTO_MAX_TOPIC_LEVELS - 1) {
    return `it has ${slashes + 1} levels (${slashes} '/'), and mosquitto takes at most ${MOSQUITTO_MAX_TOPIC_LEVELS} (${MOSQUITTO_MAX_TOPIC_LEVELS - 1} '/')`;
  }
  return null;
}

/**
 * Parse acl_file text the way mosquitto 2.0.11 reads it (checked against the real
 * broker): trailing whitespace is dropped, a line is a comment only when '#' is its
 * first character, and fields are separated by spaces only. Every line mosquitto
 * refuses to start with is an AclFileError naming FILE:LINE and the reason; lines
 * it accepts but reads differently from how they look (a tab inside the topic)
 * are parsed as mosquitto does and reported in `warnings`.
 */
export function parseAclFile(text: string, path: string): AclFile {
  const acl: AclFile = { path, rules: [], anonymous: [], users: new Map(), patterns: [], warnings: [] };
  let user: string | null = null;
  // fgets() splits on '\n' only; a trailing '\r' goes with the trailing whitespace.
  const lines = text.split('\n');
  // A NUL byte: mosquitto 2.0.11's line reader takes strlen() as the line's length, sees no
  // '\n' at its end and reads on to the end of the file. When the file ends with '\n', its
  // last read returns nothing and that whole buffer is dropped: the line and all after it are
  // ignored. Otherwise the line is read up to the NUL and the rest of the file is lost.
  // (Both checked against mosquitto 2.0.11.)
  const nulAt = lines.findIndex((l) => l.includes('\u0000'));
  let lastLine = lines.length;
  let utf16 = '';
  if (nulAt >= 0) {
    const endsWithNewline = text.endsWith('\n');
    lastLine = endsWithNewline ? nulAt : nulAt + 1;
    if (!endsWithNewline) lines[nulAt] = lines[nulAt]!.slice(0, lines[nulAt]!.indexOf('\u0000'));
    utf16 = /^(?:\ufffd\ufffd)?(?:[^\0]\0|\0[^\0])/.test(text)
      ? ' The file looks like UTF-16 (as Windows PowerShell writes with > or Out-File): save it as UTF-8.' : '';
    const after = lines.length - (endsWithNewline ? 1 : 0) - nulAt - 1;
    acl.warnings.push(`${path}:${nulAt + 1}: the line holds a NUL byte (U+0000): mosquitto stops reading the file there, so `
      + (endsWithNewline
        ? `this line${after > 0 ? ` and the ${after} line${after === 1 ? '' : 's'} after it are` : ' is'} ignored`
        : `only the text before the NUL is read${after > 0 ? ` and the ${after} line${after === 1 ? '' : 's'} after it are ignored` : ''}`)
      + `.${utf16}`);
  }
  for (let i = 0; i < lastLine; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    const line = trimEndC(raw);
    if (line.startsWith('#')) continue;
    const first = firstWord(line);
    if (first === null) continue; // empty, or spaces only
    const fail = (message: string): never => { throw new AclFileError(path, lineNo, message); };
    const { word: keyword, rest } = first;
    if (keyword === 'user') {
      const name = rest === null ? '' : trimC(rest);
      if (name === '') fail(`'user' needs a username`);
      if (/\s#/.test(name)) {
        acl.warnings.push(`${path}:${lineNo}: the username '${showWord(name)}' contains ' #': ${NO_TRAILING_COMMENT}, so this section is for that exact username`);
      }
      const refusedInName = refusedCharacter(name);
      if (refusedInName) {
        const tab = strayWhitespace(name);
        acl.warnings.push(`${path}:${lineNo}: the username '${showWord(name)}' contains ${tab && refusedCharacter(tab.ch) ? `${tab.name} (mosquitto separates fields with spaces only, so it is part of the name)` : refusedInName.name}, so the section never applies: `
          + 'no client can log in with such a username (mosquitto closes the connection at CONNECT)');
      }
      user = name;
      if (!acl.users.has(name)) acl.users.set(name, []);
      continue;
    }
    if (keyword !== 'topic' && keyword !== 'pattern') {
      fail((keywordProblem(keyword, lineNo, raw) ?? `unknown keyword '${showWord(keyword)}' (expected topic, pattern or user)`) + (utf16 ? `.${utf16}` : ''));
    }
    // mosquitto: the next space-separated word is the access, and whatever follows
    // it is the topic; with nothing after it, that word is the topic (readwrite).
    const second = rest === null ? null : firstWord(rest);
    if (second === null) fail(`'${keyword}' needs a topic`);
    let access: AclAccess = 'readwrite';
    let topic: string;
    if (second!.rest !== null) {
      const word = second!.word;
      if (!ACCESS.has(word)) {
        const stray = strayWhitespace(word);
        fail(stray
          ? `invalid access '${showWord(word)}': ${stray.name} follows it, and mosquitto separates fields with spaces only`
          : `invalid access '${showWord(word)}' (expected read, write, readwrite or deny)`);
      }
      access = word as AclAccess;
      topic = trimC(second!.rest);
    } else {
      topic = second!.word;
      if (ACCESS.has(topic)) {
        acl.warnings.push(`${path}:${lineNo}: '${keyword} ${topic}' has no topic after '${topic}', so mosquitto reads '${topic}' as the topic: `
          + `the line gives readwrite on the topic named '${topic}'. Was a topic left out?`);
      }
    }
    const tooBig = sizeProblem(topic);
    if (tooBig) fail(`invalid ACL topic '${showWord(topic.length > 60 ? `${topic.slice(0, 40)}…` : topic)}': ${tooBig}`);
    const problem = filterProblem(topic);
    if (problem) fail(`invalid ACL topic '${showWord(topic)}': ${problem}${/\s#/.test(topic) ? ` (${NO_TRAILING_COMMENT}: it reads the rest of the line as the topic)` : ''}`);
    const stray = strayWhitespace(topic);
    // A control character in the topic: no client can ever send a topic that matches it.
    const refused = refusedCharacter(topic);
    const never = refused
      ? `, which no client can send: mosquitto closes the connection of a client that puts ${refused.name} in a topic`
      : '';
    if (stray) {
      acl.warnings.push(`${path}:${lineNo}: the topic '${showWord(topic)}' contains ${stray.name}; mosquitto separates fields with spaces only, so this line gives ${access} on that exact topic${never}`);
    } else if (refused) {
      acl.warnings.push(`${path}:${lineNo}: the topic '${showWord(topic)}' contains ${refused.name}, so the line never applies: no client can send such a topic (mosquitto closes the connection of a client that does)`);
    }
    const rule: AclRule = {
      kind: keyword as 'topic' | 'pattern', access, topic, user: keyword === 'topic' ? user : null,
      file: path, line: lineNo, text: line.replace(/^ +/, ''),
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
  if (acl.rules.length === 0) {
    acl.warnings.push(`${path}: the file has no rules (no topic or pattern line${nulAt >= 0 ? ' before the NUL byte' : ''}), so mosquitto denies every client every read and write: an empty acl_file is not the same as none`);
  }
  return acl;
}

export async function loadAclFile(path: string): Promise<AclFile> {
  const text = await readConfigText(path, 'acl file');
  const acl = parseAclFile(text, path);
  // Decoding replaced bytes that are not UTF-8 with U+FFFD: find the lines they were on.
  if (text.includes('\ufffd')) {
    try {
      acl.warnings.unshift(...utf8Warnings(await readFile(path), path, acl));
    } catch { /* read once already; nothing to add if it went away */ }
  }
  return acl;
}

/**
 * One warning per line of the acl_file that is not well-formed UTF-8 (a file saved
 * as Latin-1 or Windows-1252): mosquitto compares the bytes, and every topic and
 * username a client sends is UTF-8 (mosquitto closes the connection otherwise), so
 * `topic read caf<0xE9>/#` never matches café/x and `user j<0xFC>rgen` is nobody.
 */
export function utf8Warnings(bytes: Uint8Array, path: string, acl?: AclFile): string[] {
  const out: string[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (let lineNo = 1; start <= bytes.length; lineNo++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const line = bytes.subarray(start, end);
    try {
      decoder.decode(line);
    } catch {
      let at = 0;
      // The first byte that does not start (or continue) a well-formed sequence.
      for (let i = 1; i <= line.length; i++) {
        try { decoder.decode(line.subarray(0, i)); at = i; } catch { if (i - at > 4) break; }
      }
      const bad = line[at]!;
      const rule = acl?.rules.find((r) => r.line === lineNo);
      const what = rule ? `the ${rule.kind} '${rule.topic}'` : 'it';
      out.push(`${path}:${lineNo}: the line is not UTF-8 (byte 0x${bad.toString(16).padStart(2, '0')} at column ${at + 1}; was the file saved as Latin-1 or Windows-1252?): `
        + `mosquitto compares bytes and clients send UTF-8, so ${what} never matches the text it looks like: save the file as UTF-8`);
    }
    start = end + 1;
  }
  return out;
}
