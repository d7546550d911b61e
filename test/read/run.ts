// Run the built CLI and real tshark (tests fail, not skip, when tshark is missing).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBinary } from '../helpers/peers.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = resolve(ROOT, 'bin/mqttscope');

export interface Run { code: number; stdout: string; stderr: string }

export function mqttscope(args: string[], opts: { input?: string } = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, input: opts.input, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tshark(args: string[]): Run {
  const bin = requireBinary('tshark');
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** NDJSON records of `mqttscope read FILE --format json ...`. */
export function readJsonRecords(file: string, extra: string[] = []): Record<string, unknown>[] {
  const r = mqttscope(['read', file, '--format', 'json', ...extra]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`mqttscope read failed (${r.code}): ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}
