// Peers that tests need (real binaries, free ports). A missing peer is a
// failure with the command that installs it, never a skip: CI must fail.
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

const PACKAGES: Record<string, string> = {
  mosquitto: 'mosquitto',
  mosquitto_passwd: 'mosquitto',
  mosquitto_pub: 'mosquitto-clients',
  mosquitto_sub: 'mosquitto-clients',
  tcpdump: 'tcpdump',
  tshark: 'tshark',
  openssl: 'openssl',
};

const EXTRA_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** Absolute path of an executable on PATH (or in sbin), or throws "X is not installed: apt-get install -y PKG". */
export function requireBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...EXTRA_DIRS].filter(Boolean);
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* keep looking */ }
  }
  throw new Error(`${name} is not installed: apt-get install -y ${PACKAGES[name] ?? name}`);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
