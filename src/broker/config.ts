// The subset of mosquitto.conf that the bundled broker understands:
//   listener PORT [HOST] · port PORT · allow_anonymous true|false|1|0
//   password_file PATH · acl_file PATH · per_listener_settings true|false
//   max_queued_messages N
// Lines are read as mosquitto 2.0.11 reads them (config__read_file_core): '#'
// starts a comment only in the first column, words are separated by spaces only.
// What mosquitto refuses (an unknown variable, an indented comment, a tab glued to a
// word, a duplicate acl_file, ...) is an error naming FILE:LINE; variables mosquitto
// knows but the bundled broker does not implement are warnings.
import { AclFileError, readConfigText } from '../acl/errors.js';
import { firstWord, keywordProblem, showWord, trimC } from '../acl/mosquitto-text.js';
import { isMosquittoDirective } from './mosquitto-directives.js';

export interface MosquittoConfig {
  path: string;
  listeners: Array<{ port: number; host: string | undefined; line: number }>;
  /** undefined when the file does not say; mosquitto 2.0 then defaults to false when a listener is declared. */
  allowAnonymous: boolean | undefined;
  passwordFile: string | undefined;
  aclFile: string | undefined;
  /**
   * `per_listener_settings true`: allow_anonymous, password_file and acl_file belong to the
   * listener they follow (before the first `listener` line: to the `port` listener, or to
   * mosquitto's local only mode). The three fields above are then those of the listener used.
   */
  perListenerSettings: boolean;
  /**
   * `max_queued_messages` (undefined when the file does not say: mosquitto's default, 1000).
   * 0 means no limit, as in mosquitto; read like C atoi, a negative value is 0 too.
   */
  maxQueuedMessages: number | undefined;
  /**
   * `max_inflight_messages` (undefined when the file does not say: mosquitto's default, 20),
   * for `startBroker({ maxInflightMessages })`. 0 means no limit; mosquitto 2.0.11 reads 0, a
   * negative value and 65535 so (checked), and each is 0 here.
   */
  maxInflightMessages: number | undefined;
  warnings: string[];
}

interface Security { allowAnonymous: boolean | undefined; passwordFile: string | undefined; aclFile: string | undefined; line: number; /** Lines that set something here. */ at: number[] }

/** Variables that make mosquitto 2.0.11 refuse a later `per_listener_settings true` (checked on the real broker). */
const SECURITY_VARIABLES = new Set(['allow_anonymous', 'password_file', 'acl_file', 'allow_zero_length_clientid', 'auto_id_prefix', 'psk_file']);

/** Thrown for a malformed mosquitto.conf line (same shape and code family as AclFileError). */
export class ConfigFileError extends AclFileError {
  override readonly code = 'acl-file-error';
  constructor(file: string, line: number, message: string) {
    super(file, line, message);
    this.name = 'ConfigFileError';
  }
}

/** C atoi(): leading whitespace, an optional sign, then digits; anything after them is ignored. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

export function parseMosquittoConf(text: string, path: string): MosquittoConfig {
  const cfg: MosquittoConfig = { path, listeners: [], allowAnonymous: undefined, passwordFile: undefined, aclFile: undefined, perListenerSettings: false, maxQueuedMessages: undefined, maxInflightMessages: undefined, warnings: [] };
  const fresh = (line: number): Security => ({ allowAnonymous: undefined, passwordFile: undefined, aclFile: undefined, line, at: [] });
  // mosquitto's default listener (the `port` one, or local only mode) takes the settings
  // before the first `listener` line; with per_listener_settings each `listener` line starts its own.
  const defaultScope = fresh(0);
  // Without per_listener_settings, every security setting is global, wherever it is.
  const global = fresh(0);
  const scopes: Security[] = [];
  /** Each listener's scope, in cfg.listeners order. */
  const listenerScope: Security[] = [];
  let listenerCur = defaultScope;
  let securitySeen = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    // mosquitto skips a line whose first character is '#', '\n' or '\r', and strips only
    // trailing '\r'/'\n' from the others.
    if (raw === '' || raw[0] === '#' || raw[0] === '\r') continue;
    const line = raw.replace(/\r+$/, '');
    const first = firstWord(line);
    if (first === null) continue; // spaces only
    const { word: key, rest } = first;
    const fail = (message: string): never => { throw new ConfigFileError(path, lineNo, message); };
    // The next space-separated word (strtok " "), as mosquitto reads ports and booleans.
    const nextWord = (): string | null => (rest === null ? null : firstWord(rest)?.word ?? null);
    // The rest of the line without surrounding whitespace (conf__parse_string).
    const value = (): string => {
      const v = rest === null ? '' : trimC(rest);
      if (v === '') fail(`'${key}' needs a value (mosquitto: Empty ${key} value in configuration)`);
      return v;
    };
    const port = (s: string, listener: boolean): number => {
      const n = atoi(s);
      if (n === 0 && listener) fail(`listener port ${showWord(s)} is 0: mosquitto takes that as a Unix socket listener, which the bundled broker does not support`);
      if (n < 1 || n > 65535) fail(`invalid port '${showWord(s)}' (mosquitto reads it as ${n}; expected 1-65535)`);
      return n;
    };
    if (SECURITY_VARIABLES.has(key)) securitySeen = true;
    const current = cfg.perListenerSettings ? listenerCur : global;
    if (key === 'allow_anonymous' || key === 'password_file' || key === 'acl_file') current.at.push(lineNo);
    switch (key) {
      case 'listener': {
        const words = rest === null ? [] : rest.split(' ').filter((w) => w !== '');
        if (words.length === 0) fail(`'listener' needs a port`);
        if (words.length > 2) {
          cfg.warnings.push(`${path}:${lineNo}: 'listener' takes PORT [HOST]; mosquitto ignores '${words.slice(2).join(' ')}'`);
        }
        cfg.listeners.push({ port: port(words[0]!, true), host: words[1], line: lineNo });
        listenerCur = fresh(lineNo);
        scopes.push(listenerCur);
        listenerScope.push(listenerCur);
        break;
      }
      case 'port': {
        const w = nextWord();
        if (w === null) fail(`'port' needs a port`);
        cfg.listeners.push({ port: port(w!, false), host: undefined, line: lineNo });
        listenerScope.push(defaultScope);
        break;
      }
      case 'per_listener_settings': {
        const w = nextWord();
        if (w === null) fail(`'per_listener_settings' needs true or false`);
        if (w !== 'true' && w !== '1' && w !== 'false' && w !== '0') fail(`per_listener_settings must be true or false, got '${showWord(w!)}'`);
        cfg.perListenerSettings = w === 'true' || w === '1';
        if (cfg.perListenerSettings && securitySeen) {
          fail('per_listener_settings must be set before any other security settings (allow_anonymous, password_file, acl_file, ...): mosquitto refuses to start');
        }
        break;
      }
      case 'allow_anonymous': {
        const w = nextWord();
        if (w === null) fail(`'allow_anonymous' needs true or false`);
        if (w === 'true' || w === '1') current.allowAnonymous = true;
        else if (w === 'false' || w === '0') current.allowAnonymous = false;
        else fail(`allow_anonymous must be true or false, got '${showWord(w!)}'${/\s/u.test(w!) ? ' (mosquitto separates fields with spaces only)' : ''}`);
        break;
      }
      case 'password_file':
      case 'acl_file': {
        const v = value();
        const field = key === 'acl_file' ? 'aclFile' : 'passwordFile';
        if (current[field] !== undefined) fail(`duplicate ${key} (mosquitto refuses a second one${cfg.perListenerSettings ? ' for the same listener' : ''})`);
        current[field] = v;
        break;
      }
      case 'max_queued_messages': {
        const w = nextWord();
        if (w === null) fail(`'max_queued_messages' needs a number (mosquitto: Empty max_queued_messages value in configuration)`);
        cfg.maxQueuedMessages = Math.max(0, atoi(w!));
        break;
      }
      case 'max_inflight_messages': {
        const w = nextWord();
        if (w === null) fail(`'max_inflight_messages' needs a number (mosquitto: Empty max_inflight_messages value in configuration)`);
        const n = atoi(w!);
        if (n > 65535) fail(`max_inflight_messages must be <= 65535, got '${showWord(w!)}' (mosquitto refuses to start)`);
        // 0, a negative value and 65535 are "no limit" to mosquitto 2.0.11 (checked).
        cfg.maxInflightMessages = n <= 0 || n === 65535 ? 0 : n;
        // Applied by both engines of `mqttscope broker` (startBroker, and the managed
        // mosquitto's generated config): 0 is no limit.
        break;
      }
      default: {
        if (isMosquittoDirective(key)) {
          // Not the bundled broker only: a managed mosquitto gets a config of its own, made from the keys above.
          cfg.warnings.push(`${path}:${lineNo}: '${key}' is ignored: mqttscope applies only listener, port, allow_anonymous, password_file, acl_file, per_listener_settings, max_queued_messages and max_inflight_messages, also with --broker mosquitto; for the rest, run mosquitto -c ${path} yourself with mqttscope proxy in front of it`);
          break;
        }
        const why = keywordProblem(key, lineNo, raw);
        fail(why ?? `unknown configuration variable '${showWord(key)}' (mosquitto refuses to start)`);
      }
    }
  }
  // The listener the bundled broker uses (the first one), or local only mode.
  const used = cfg.perListenerSettings ? listenerScope[0] ?? defaultScope : global;
  cfg.allowAnonymous = used.allowAnonymous;
  cfg.passwordFile = used.passwordFile;
  cfg.aclFile = used.aclFile;
  if (cfg.perListenerSettings) {
    const where = (s: Security): string => (s === defaultScope ? 'before the first listener line' : `under the listener at line ${s.line}`);
    for (const s of [defaultScope, ...scopes]) {
      if (s === used) continue;
      const set = (['allowAnonymous', 'passwordFile', 'aclFile'] as const).filter((k) => s[k] !== undefined);
      if (set.length === 0) continue;
      const names = set.map((k) => ({ allowAnonymous: 'allow_anonymous', passwordFile: 'password_file', aclFile: 'acl_file' })[k]).join(', ');
      cfg.warnings.push(`${path}:${s.at[0]}: per_listener_settings is true, so the ${names} ${where(s)} (line${s.at.length > 1 ? 's' : ''} ${s.at.join(', ')}) ${set.length > 1 ? 'do' : 'does'} not apply to the listener used `
        + `(${used === defaultScope && cfg.listeners.length === 0 ? 'local only mode' : `line ${cfg.listeners[0]!.line}`})`);
    }
  }
  return cfg;
}

export async function loadMosquittoConf(path: string): Promise<MosquittoConfig> {
  return parseMosquittoConf(await readConfigText(path, 'config file', (f, l, m) => new ConfigFileError(f, l, m)), path);
}
