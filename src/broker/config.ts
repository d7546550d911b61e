// The subset of mosquitto.conf that the bundled broker understands:
//   listener PORT [HOST] · port PORT · allow_anonymous true|false
//   password_file PATH · acl_file PATH
// Unknown directives are reported as warnings; malformed known ones are errors naming file:line.
import { AclFileError, readConfigText } from '../acl/errors.js';

export interface MosquittoConfig {
  path: string;
  listeners: Array<{ port: number; host: string | undefined; line: number }>;
  /** undefined when the file does not say; mosquitto 2.0 then defaults to false when a listener is declared. */
  allowAnonymous: boolean | undefined;
  passwordFile: string | undefined;
  aclFile: string | undefined;
  warnings: string[];
}

/** Thrown for a malformed mosquitto.conf line (same shape and code family as AclFileError). */
export class ConfigFileError extends AclFileError {
  override readonly code = 'acl-file-error';
  constructor(file: string, line: number, message: string) {
    super(file, line, message);
    this.name = 'ConfigFileError';
  }
}

function parsePort(s: string | undefined, path: string, line: number): number {
  const n = Number(s);
  if (s === undefined || !/^\d+$/.test(s) || n < 0 || n > 65535) {
    throw new ConfigFileError(path, line, `invalid port '${s ?? ''}'`);
  }
  return n;
}

export function parseMosquittoConf(text: string, path: string): MosquittoConfig {
  const cfg: MosquittoConfig = { path, listeners: [], allowAnonymous: undefined, passwordFile: undefined, aclFile: undefined, warnings: [] };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [key, ...args] = line.split(/\s+/);
    const need = (n: number, what: string): void => {
      if (args.length < n) throw new ConfigFileError(path, lineNo, `'${key}' needs ${what}`);
    };
    switch (key) {
      case 'listener':
        need(1, 'a port');
        if (args.length > 2) throw new ConfigFileError(path, lineNo, `'listener' takes PORT [HOST], got '${args.join(' ')}'`);
        cfg.listeners.push({ port: parsePort(args[0], path, lineNo), host: args[1], line: lineNo });
        break;
      case 'port':
        need(1, 'a port');
        cfg.listeners.push({ port: parsePort(args[0], path, lineNo), host: undefined, line: lineNo });
        break;
      case 'allow_anonymous':
        need(1, 'true or false');
        if (args[0] !== 'true' && args[0] !== 'false') {
          throw new ConfigFileError(path, lineNo, `allow_anonymous must be true or false, got '${args[0]}'`);
        }
        cfg.allowAnonymous = args[0] === 'true';
        break;
      case 'password_file':
        need(1, 'a path');
        cfg.passwordFile = line.slice(key.length).trim();
        break;
      case 'acl_file':
        need(1, 'a path');
        cfg.aclFile = line.slice(key.length).trim();
        break;
      default:
        cfg.warnings.push(`${path}:${lineNo}: '${key}' is not supported by the bundled broker and is ignored`);
    }
  }
  return cfg;
}

export async function loadMosquittoConf(path: string): Promise<MosquittoConfig> {
  return parseMosquittoConf(await readConfigText(path, 'config file', (f, l, m) => new ConfigFileError(f, l, m)), path);
}
