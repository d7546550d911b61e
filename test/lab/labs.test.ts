// Every lab runs to completion without a TTY (line view) through the real CLI,
// and its output names the findings and packets the lab is about.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABS } from '../../src/lab/index.js';
import { buildDist, removeDist } from '../tui/build.js';

const run = promisify(execFile);
let dist = '';

beforeAll(() => { dist = buildDist('lab'); });
afterAll(() => removeDist(dist));

async function cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const script = `import(${JSON.stringify(join(dist, 'cli/main.js'))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  try {
    const r = await run(process.execPath, ['--input-type=module', '-e', script, ...args], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    return { ...r, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

describe('mqttscope lab', () => {
  it('--list names every lab', async () => {
    const r = await cli(['lab', '--list']);
    expect(r.code).toBe(0);
    for (const name of ['qos', 'retained', 'will', 'session', 'acl', 'remaining-length']) expect(r.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
  });

  it('an unknown lab is a usage error', async () => {
    const r = await cli(['lab', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown lab 'nope'");
  });

  const expectations: Record<string, RegExp[]> = {
    qos: [/PUBLISH\s+d0 q0 r0\s+lab\/qos\/0/, /← PUBACK/, /← PUBREC/, /→ PUBREL/, /← PUBCOMP/],
    retained: [/door-sensor → PUBLISH\s+d0 q1 r1\s+id=\d+\s+lab\/retained\/door .*"open"/, /late-app\s+← PUBLISH\s+d0 q1 r1 .*"open"/, /door-sensor → PUBLISH\s+d0 q1 r1 .*payload=0/],
    will: [/will=lab\/will\/fragile/, /!! will-published .*fragile/],
    session: [/sleeper\s+→ CONNECT\s+MQTT 3\.1\.1 persistent/, /sleeper\s+← CONNACK\s+sp=1/, /sleeper\s+← PUBLISH .*"message 3 of 3"/],
    acl: [/rc=5 Not authorized/, /!! connect-refused /, /!! undelivered-publish .*panama\/colon\/user1/, /user=user1 pw=\*{8}/, /\(the lab.s ACL file, line 2: pattern readwrite \+\/\+\/\+\/%u becomes/],
    'remaining-length': [/len=100 /, /len=321 /, /len=20000 /, /len=2097152 /],
  };

  for (const lab of LABS) {
    it(`lab ${lab.name} runs to completion without a TTY`, async () => {
      const r = await cli(['lab', lab.name, '--fast']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`# lab ${lab.name} finished:`);
      for (const code of lab.expectFindings) expect(r.stdout).toMatch(new RegExp(`^\\S+ !! ${code} `, 'm'));
      for (const t of lab.expectPackets ?? []) expect(r.stdout).toContain(` ${t} `);
      for (const re of expectations[lab.name] ?? []) expect(r.stdout).toMatch(re);
      if (lab.expectFindings.length === 0) expect(r.stdout).toMatch(/findings: none$/m);
    });
  }
});
