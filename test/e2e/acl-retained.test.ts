// With a real mosquitto 2.0, its acl_file and the built `mqttscope proxy --acl`: a
// retained message mosquitto keeps from a new subscriber that may not read it (the
// SUBACK grants the filter, nothing is sent) is a withheld-delivery naming the
// rule; a filter the acl_file never delivers on is said to be one at its SUBACK;
// an MQTT 5 write to $SYS… is refused by mosquitto itself (PUBACK 0x87) whatever
// the acl_file grants. Missing binaries fail, never skip.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort, requireBinary } from '../helpers/peers.js';
import { WINDOW_S, parseNdjson, requireBuiltCli, run, sleep, spawnChild, startCliProxy, stop, type Rec } from './acl-scenario.js';

const ACL = 'user admin\ntopic readwrite #\ntopic readwrite $SYS/#\n\nuser alice\ntopic read b/pub/#\n';
const PASSWD = 'admin:adminpw\nalice:alicepw\n';

let dir: string;
let aclPath: string;
let broker: RunningMosquitto;
let live: Rec[] = [];
const steps: { what: string; code: number | null; out: string; err: string }[] = [];

beforeAll(async () => {
  requireBuiltCli();
  for (const b of ['mosquitto', 'mosquitto_passwd', 'mosquitto_pub', 'mosquitto_sub']) requireBinary(b);
  dir = await mkdtemp(join(tmpdir(), 'mqttscope-e2e-retained-'));
  aclPath = join(dir, 'site.acl');
  const passwd = join(dir, 'passwd');
  await writeFile(aclPath, ACL);
  await writeFile(passwd, PASSWD);
  broker = await startTestMosquitto({ passwdFile: passwd, aclFile: aclPath, allowAnonymous: false });
  const port = await freePort();
  const p = await startCliProxy(port, broker.port, aclPath, ['--format', 'json']);
  const pubBin = requireBinary('mosquitto_pub');
  const subBin = requireBinary('mosquitto_sub');
  const base = ['-h', '127.0.0.1', '-p', String(port)];
  const step = async (what: string, bin: string, args: string[]): Promise<void> => {
    const r = await run(spawnChild(bin, [...base, ...args]));
    steps.push({ what, code: r.code, out: r.out, err: r.err });
  };
  try {
    await step('retained', pubBin, ['-V', 'mqttv311', '-u', 'admin', '-P', 'adminpw', '-i', 'admin-pub', '-q', '1', '-r', '-t', 'b/ret', '-m', 'kept']);
    const alice = spawnChild(subBin, [...base, '-V', 'mqttv311', '-u', 'alice', '-P', 'alicepw', '-i', 'alice-sub', '-t', 'b/#', '-t', 'c/#', '-v']);
    await p.subacked('alice-sub');
    // admin is sent the retained message at once (-C 1: exit after one).
    await step('admin-sub', subBin, ['-V', 'mqttv311', '-u', 'admin', '-P', 'adminpw', '-i', 'admin-sub', '-t', 'b/#', '-v', '-C', '1', '-W', '5']);
    for (const t of ['$SYS/mine/x', '$SYSTEM/x']) {
      await step(t, pubBin, ['-V', 'mqttv5', '-u', 'admin', '-P', 'adminpw', '-i', `admin-${t.slice(1, 7)}`, '-q', '1', '-t', t, '-m', 'x']);
    }
    await sleep(WINDOW_S * 1000 + 600);
    await stop(alice, 'SIGTERM');
    steps.push({ what: 'alice', code: 0, out: alice.out(), err: alice.err() });
  } finally {
    await stop(p.proxy, 'SIGINT');
  }
  live = parseNdjson(p.proxy.out());
}, 60_000);

afterAll(async () => {
  await broker?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const findings = (): Rec[] => live.filter((r) => r.kind === 'finding');

describe('mosquitto with an acl_file, through mqttscope proxy --acl', () => {
  it('mosquitto sent the retained message to admin and nothing to alice', () => {
    expect(steps.find((s) => s.what === 'admin-sub')!.out.trim()).toBe('b/ret kept');
    expect(steps.find((s) => s.what === 'alice')!.out).toBe('');
  });

  it('the retained message kept from alice is a withheld-delivery naming the rule', () => {
    const f = findings().filter((x) => x['code'] === 'withheld-delivery' && x['retained'] === true);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      severity: 'warn', client_id: 'alice-sub', username: 'alice', topic: 'b/ret', filter: 'b/#', acl_confirmed: true,
      acl_file: aclPath, acl_access: 'read', acl_allowed: false, acl_decision: 'no-rule',
      acl_rules: [{ line: 6, rule: 'topic read b/pub/#', section: 'user alice' }],
    });
    // proxy --acl names mosquitto: an acl_file is mosquitto's.
    expect(f[0]!['text']).toContain("mosquitto granted alice-sub the subscription 'b/#' but did not send it the retained message on 'b/ret' (published by admin-pub");
    expect(f[0]!['text']).toContain("The acl_file confirms a denied read: read DENIED for alice on 'b/ret': no rule grants it (site.acl line 6: topic read b/pub/# in section 'user alice' does not match");
  });

  it('c/#, which alice may never read, is said to deliver nothing at its SUBACK; b/# is not', () => {
    const f = findings().filter((x) => x['at_subscribe'] === true);
    expect(f.map((x) => [x['client_id'], x['filter'], x['severity']])).toEqual([['alice-sub', 'c/#', 'info']]);
    expect(f[0]!['text']).toContain("no rule grants read on any of them (site.acl line 6: topic read b/pub/# in section 'user alice': no topic matches both it and c/#)");
  });

  it('MQTT 5 writes to $SYS/mine/x and $SYSTEM/x: PUBACK 0x87 from mosquitto itself, not from the acl_file', () => {
    for (const t of ['$SYS/mine/x', '$SYSTEM/x']) expect(steps.find((s) => s.what === t)!.err).toContain('Not authorized');
    const rej = findings().filter((x) => x['code'] === 'publish-rejected');
    expect(rej.map((x) => x['topic']).sort()).toEqual(['$SYS/mine/x', '$SYSTEM/x']);
    for (const r of rej) {
      expect(r['text']).toContain('PUBACK 0x87 (Not authorized). mosquitto refuses every client write to a topic starting with $SYS (it compares the first 4 characters, so $SYSTEM/x too)');
      expect(r['text']).not.toContain('..');
      expect(r).toMatchObject({ acl_decision: 'before-rules', acl_line: null, acl_allowed: false });
    }
  });

  it('nothing else', () => {
    expect(findings().map((x) => x['code']).sort()).toEqual(['publish-rejected', 'publish-rejected', 'withheld-delivery', 'withheld-delivery']);
  });
});
