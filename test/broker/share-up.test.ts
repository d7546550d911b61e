// The QA report's $share case end to end: `mqttscope up` (bundled broker + proxy),
// mosquitto_sub on '$share/g/t/#', mosquitto_pub on t/1. aedes alone granted the
// SUBACK and never delivered, and the proxy then blamed a denied write. Now the
// member gets the message and there is no finding.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, requireBinary } from '../helpers/peers.js';
import { ROOT, mqttscope, parseNdjson, run, spawnChild, stop, waitFor } from '../e2e/acl-scenario.js';

function requireFreshDist(files: string[]): void {
  for (const f of files) {
    const js = join(ROOT, 'dist', f.replace(/\.ts$/, '.js'));
    if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(ROOT, 'src', f)).mtimeMs) {
      throw new Error(`dist/ is missing or older than src/${f}: run npx tsc -p . first`);
    }
  }
}

describe('mqttscope up with a shared subscription', () => {
  it('delivers $share/g/t/# to its member and reports nothing', async () => {
    requireFreshDist(['broker/broker.ts', 'broker/shared-subscriptions.ts', 'broker/security.ts', 'analysis/delivery.ts', 'cli/commands/up.ts']);
    const subBin = requireBinary('mosquitto_sub');
    const pubBin = requireBinary('mosquitto_pub');
    const port = await freePort();
    const up = mqttscope(['up', '--listen', String(port), '--format', 'json', '--delivery-window', '1']);
    try {
      await waitFor(() => up.err().includes('proxy listening on'), 'the proxy to listen', 15_000);
      const sub = spawnChild(subBin, ['-p', String(port), '-i', 'member', '-t', '$share/g/t/#', '-v', '-C', '1', '-W', '10']);
      await waitFor(() => parseNdjson(up.out()).some((r) => r.kind === 'packet' && r['type'] === 'SUBACK'), 'the SUBACK');
      const p = await run(spawnChild(pubBin, ['-p', String(port), '-i', 'pub', '-t', 't/1', '-m', 'hello']));
      expect(p.code).toBe(0);
      const s = await run(sub);
      expect(s.out.trim()).toBe('t/1 hello');
      await new Promise((r) => setTimeout(r, 1500)); // past the delivery window
    } finally {
      expect(await stop(up, 'SIGINT')).toBe(0);
    }
    const findings = parseNdjson(up.out()).filter((r) => r.kind === 'finding');
    expect(findings).toEqual([]);
  }, 30_000);
});
