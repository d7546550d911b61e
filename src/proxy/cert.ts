// A throwaway CA and a server certificate for localhost / 127.0.0.1 / ::1,
// made with the openssl binary (for --tls-cert/--tls-key and mosquitto_pub --cafile).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GeneratedCerts {
  dir: string;
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

export class OpensslMissingError extends Error {
  readonly code = 'openssl-missing';
  constructor() {
    super('the openssl binary is not installed (apt-get install -y openssl); alternatively make a certificate with any tool and pass --tls-cert/--tls-key');
    this.name = 'OpensslMissingError';
  }
}

/** The output directory cannot be made or written (a file in the way, no permission). */
export class CertDirError extends Error {
  readonly code = 'cert-dir';
  /** The path that is the problem: `dir` itself or the ancestor that is not a directory. */
  constructor(readonly path: string, readonly problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'CertDirError';
  }
}

/** mkdir -p, with the failure blamed on the path that causes it. */
async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOTDIR' || e.code === 'EEXIST') {
      // Walk up to the nearest existing path: that one is a file, not a directory.
      for (let p = dir; ; p = dirname(p)) {
        const st = await stat(p).catch(() => null);
        if (st && !st.isDirectory()) throw new CertDirError(p, 'is a file, not a directory');
        if (st || dirname(p) === p) break;
      }
    }
    if (e.code === 'EACCES' || e.code === 'EPERM') throw new CertDirError(dir, 'cannot be created (permission denied)');
    if (e.code === 'EROFS') throw new CertDirError(dir, 'cannot be created (read-only file system)');
    throw new CertDirError(dir, `cannot be created (${e.code ?? e.message})`);
  }
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new CertDirError(dir, 'is not writable (permission denied)');
  }
}

/** Absolute path of openssl on PATH, or null. */
export async function findOpenssl(): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, 'openssl');
    try {
      await access(p, constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return null;
}

export async function generateCerts(dir: string, opts: { days?: number; hosts?: string[] } = {}): Promise<GeneratedCerts> {
  const openssl = await findOpenssl();
  if (!openssl) throw new OpensslMissingError();
  await makeDir(dir);
  const days = String(opts.days ?? 30);
  const hosts = opts.hosts ?? ['localhost', '127.0.0.1', '::1'];
  const san = hosts.map((h) => (/^[\d.]+$/.test(h) || h.includes(':') ? `IP:${h}` : `DNS:${h}`)).join(',');
  const out: GeneratedCerts = {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    cert: join(dir, 'server.crt'),
    key: join(dir, 'server.key'),
  };
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  try {
    await makeFiles(openssl, out, csr, ext, days, san);
  } catch (err) {
    // No half set (a new CA key beside an old certificate): remove what this run wrote.
    await Promise.all([out.caCert, out.caKey, out.cert, out.key, csr, ext].map((f) => rm(f, { force: true })));
    throw new OpensslFailedError(err as Error & { stderr?: string });
  }
  return out;
}

/** openssl exited with an error; `reason` is its own error line (not the command line). */
export class OpensslFailedError extends Error {
  readonly code = 'openssl-failed';
  constructor(cause: Error & { stderr?: string; cmd?: string; code?: unknown }) {
    // openssl prints progress dots while making keys, then its error lines; "Command failed: <the command>" says nothing.
    const lines = String(cause.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^[-.+*]+$/.test(l));
    const said = lines.find((l) => /error/i.test(l)) ?? lines[0];
    const step = typeof cause.cmd === 'string' ? cause.cmd.split(' ')[1] : undefined;
    super(said ?? (step !== undefined && typeof cause.code === 'number'
      ? `openssl ${step} exited with status ${cause.code} without an error message`
      : cause.message.split('\n')[0]!));
    this.name = 'OpensslFailedError';
  }
}

async function makeFiles(openssl: string, out: GeneratedCerts, csr: string, ext: string, days: string, san: string): Promise<void> {
  const serial = () => `0x${randomBytes(8).toString('hex')}`;
  await run(openssl, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', days, '-set_serial', serial(),
    '-keyout', out.caKey, '-out', out.caCert, '-subj', '/CN=mqttscope throwaway CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run(openssl, ['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-keyout', out.key, '-out', csr, '-subj', '/CN=localhost']);
  await writeFile(ext, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${san}`,
    '',
  ].join('\n'));
  await run(openssl, [
    'x509', '-req', '-sha256', '-days', days, '-in', csr, '-CA', out.caCert, '-CAkey', out.caKey,
    '-set_serial', serial(), '-extfile', ext, '-out', out.cert,
  ]);
  await rm(csr, { force: true });
  await rm(ext, { force: true });
}
