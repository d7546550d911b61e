// `mqttscope cert`: a throwaway CA and a server certificate for localhost.
import { isAbsolute, relative, resolve } from 'node:path';
import { CertDirError, generateCerts, OpensslFailedError, OpensslMissingError } from '../../proxy/cert.js';
import { parseCommandArgs } from '../args.js';
import { CliError, UsageError } from '../errors.js';

/** Every option `cert` accepts (each one is in the usage text). */
export const options = {
  out: { type: 'string', short: 'o' },
  days: { type: 'string' },
} as const;

export const summary = 'generate a throwaway CA and server certificate';

export const usage = `usage: mqttscope cert [--out DIR] [--days N]

Makes a throwaway certificate authority and a server certificate for
localhost, 127.0.0.1 and ::1 with the openssl binary, for trying MQTT over
TLS through the proxy. Never use them for anything that matters.

Writes DIR/ca.crt, DIR/ca.key, DIR/server.crt and DIR/server.key.

Options:
  -o, --out DIR   where to write them (default ./mqttscope-certs)
  --days N        validity (default 30)
  -h, --help      this help

Example:
  mqttscope cert --out certs
  mqttscope up --listen 8883 --tls-cert certs/server.crt --tls-key certs/server.key
  mosquitto_pub -p 8883 --cafile certs/ca.crt -t Room1/Light -m "Turn On"`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, options);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const days = values.days === undefined ? 30 : Number(values.days);
  if (!Number.isInteger(days) || days < 1) throw new UsageError(`--days: expected a whole number of days, got '${values.days}'`);
  // X.509 dates end with the year 9999 (RFC 5280 4.1.2.5); openssl fails without a word past it.
  const maxDays = Math.floor((Date.UTC(9999, 11, 31) - Date.now()) / 86_400_000);
  if (days > maxDays) throw new UsageError(`--days: ${days} days ends after the year 9999, the last date a certificate can hold; at most ${maxDays}`);
  const dir = resolve(values.out ?? 'mqttscope-certs');
  let c;
  try {
    c = await generateCerts(dir, { days });
  } catch (err) {
    if (err instanceof OpensslMissingError) throw new CliError(err.message, { code: err.code });
    if (err instanceof CertDirError) {
      throw new CliError(`--out ${values.out ?? 'mqttscope-certs'}: ${show(err.path)} ${err.problem}`, { code: err.code, exitCode: 2 });
    }
    if (err instanceof OpensslFailedError) throw new CliError(`openssl failed: ${err.message}`, { code: err.code });
    throw new CliError(`openssl failed: ${(err as Error).message.split('\n')[0]}`, { code: 'openssl-failed' });
  }
  process.stdout.write([
    `CA certificate:     ${show(c.caCert)}   (give this to clients: --cafile)`,
    `CA key:             ${show(c.caKey)}`,
    `server certificate: ${show(c.cert)}   (for localhost, 127.0.0.1, ::1; valid ${days} days)`,
    `server key:         ${show(c.key)}`,
    '',
    'Use them:',
    `  mqttscope up --listen 8883 --tls-cert ${show(c.cert)} --tls-key ${show(c.key)}`,
    `  mosquitto_pub -p 8883 --cafile ${show(c.caCert)} -t Room1/Light -m "Turn On"`,
    '',
  ].join('\n'));
  return 0;
}

/** A path as the user would type it: relative below the working directory, else absolute (never `../../tmp/x`). */
function show(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel === '' || rel === '..' || rel.startsWith('../') || rel.startsWith('..\\') || isAbsolute(rel) ? p : rel;
}
