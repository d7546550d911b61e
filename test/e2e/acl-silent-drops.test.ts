// Issue 5 end to end: a real mosquitto 2.0 with the Spanish tutorial's users and
// acl_file, the built `mqttscope proxy` CLI in front of it (--format json
// --write F.pcap --acl FILE), and the real mosquitto_pub/mosquitto_sub, for
// MQTT 3.1.1 and MQTT 5. The findings must be exactly the silent drops the
// broker made, live and when the recorded pcap is read back; traffic the ACL
// allows must give no finding at all. Missing binaries fail, never skip.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_CHECKER } from '../helpers/contract.js';
import { startTestMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort, requireBinary } from '../helpers/peers.js';
import {
  FOREIGN, OWN, OWN2, WINDOW_S, mqttscope, parseNdjson, requireBuiltCli, run, runScenario, spawnChild,
  startCliProxy, stop, writeTutorialFiles, type Rec, type ScenarioResult, type Version,
} from './acl-scenario.js';

let dir: string;
let files: { acl: string; passwd: string };
let broker: RunningMosquitto;

beforeAll(async () => {
  requireBuiltCli();
  for (const b of ['mosquitto', 'mosquitto_passwd', 'mosquitto_pub', 'mosquitto_sub', 'tshark']) requireBinary(b);
  dir = await mkdtemp(join(tmpdir(), 'mqttscope-e2e-acl-'));
  files = await writeTutorialFiles(dir);
  broker = await startTestMosquitto({ passwdFile: files.passwd, aclFile: files.acl, allowAnonymous: false });
});

afterAll(async () => {
  await broker?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Recorded {
  scenario: ScenarioResult;
  live: Rec[];
  proxyExit: number | null;
  proxyErr: string;
  pcap: string;
  listenPort: number;
  read: Rec[];
  readExit: number | null;
  readErr: string;
}

/** Proxy (json + pcap + acl) → scenario → SIGINT → `mqttscope read` of the pcap. */
async function record(version: Version, kind: 'tutorial' | 'allowed', tag: string): Promise<Recorded> {
  const pcap = join(dir, `${tag}.pcap`);
  const listenPort = await freePort();
  const p = await startCliProxy(listenPort, broker.port, files.acl, ['--format', 'json', '--write', pcap]);
  let scenario: ScenarioResult;
  let proxyExit: number | null = null;
  try {
    scenario = await runScenario(listenPort, version, kind, tag, p.subacked);
  } finally {
    // SIGINT: the proxy decides what is pending, prints the summary and flushes the pcap.
    proxyExit = await stop(p.proxy, 'SIGINT');
  }
  const r = await run(mqttscope(['read', pcap, '--format', 'json', '--acl', files.acl, '--delivery-window', String(WINDOW_S)]));
  return {
    scenario, live: parseNdjson(p.proxy.out()), proxyExit, proxyErr: p.proxy.err(), pcap, listenPort,
    read: parseNdjson(r.out), readExit: r.code, readErr: r.err,
  };
}

const findings = (recs: Rec[]): Rec[] => recs.filter((r) => r.kind === 'finding');
const packets = (recs: Rec[]): Rec[] => recs.filter((r) => r.kind === 'packet');
/** "code client_id topic", sorted: the multiset the tests compare. */
const keys = (recs: Rec[]): string[] => findings(recs).map((f) => `${String(f['code'])} ${String(f['client_id'])} ${String(f['topic'] ?? '-')}`).sort();

async function contractCheck(ndjson: string): Promise<void> {
  expect(existsSync(CONTRACT_CHECKER), `${CONTRACT_CHECKER} is missing`).toBe(true);
  const py = spawnChild('python3', [CONTRACT_CHECKER]);
  py.child.stdin?.end(ndjson);
  const r = await run(py);
  expect(r.code, r.out + r.err).toBe(0);
}

/** tshark's MQTT message types in the pcap, one per MQTT packet. */
async function tsharkTypes(pcap: string, port: number): Promise<number[]> {
  const r = await run(spawnChild(requireBinary('tshark'), ['-n', '-r', pcap, '-d', `tcp.port==${port},mqtt`, '-T', 'fields', '-e', 'mqtt.msgtype']));
  expect(r.code, r.err).toBe(0);
  return r.out.split('\n').flatMap((l) => l.split(',')).filter((s) => s.trim() !== '').map(Number);
}

const TYPE_NUM: Record<string, number> = {
  CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7, SUBSCRIBE: 8, SUBACK: 9,
  UNSUBSCRIBE: 10, UNSUBACK: 11, PINGREQ: 12, PINGRESP: 13, DISCONNECT: 14, AUTH: 15,
};

const TUTORIAL: Array<[Version, string, string[]]> = [
  ['mqttv311', 'v311', [
    'connect-refused u1-badpw-v311 -',
    `undelivered-publish u1-deny-q0-v311 ${FOREIGN}`,
    `undelivered-publish u1-deny-q1-v311 ${FOREIGN}`,
    `undelivered-publish u1-deny-q2-v311 ${FOREIGN}`,
    // At user2-sub's SUBACK (its filter can never deliver), and for the message it lost.
    `withheld-delivery user2-sub-v311 ${OWN}`,
    `withheld-delivery user2-sub-v311 ${OWN}`,
  ]],
  ['mqttv5', 'v5', [
    'connect-refused u1-badpw-v5 -',
    `publish-rejected u1-deny-q1-v5 ${FOREIGN}`,
    `publish-rejected u1-deny-q2-v5 ${FOREIGN}`,
    `undelivered-publish u1-deny-q0-v5 ${FOREIGN}`,
    `withheld-delivery user2-sub-v5 ${OWN}`,
    `withheld-delivery user2-sub-v5 ${OWN}`,
  ]],
];

describe.each(TUTORIAL)('the tutorial scenario with -V %s through mqttscope proxy', (version, tag, expected) => {
  let rec: Recorded;
  beforeAll(async () => { rec = await record(version, 'tutorial', tag); });

  it('mosquitto behaved as the tutorial says (admin got only the allowed message, user2 nothing)', () => {
    expect(rec.proxyExit, rec.proxyErr).toBe(0);
    expect(rec.scenario.adminGot.trim().split('\n')).toEqual([`${OWN} hola`]);
    expect(rec.scenario.user2Got).toBe('');
    const codes = rec.scenario.steps.map((s) => s.code);
    // mosquitto_pub exits with the CONNACK code of the refusal: 5 (3.1.1) or 0x87 (MQTT 5).
    expect(codes).toEqual([0, version === 'mqttv5' ? 0x87 : 5, 0, 0, 0]);
  });

  it('finds exactly the silent drops, live', async () => {
    expect(keys(rec.live)).toEqual(expected);
    await contractCheck(rec.live.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const summary = rec.live.at(-1)!;
    expect(summary.kind).toBe('summary');
    expect(Object.values(summary['findings'] as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(expected.length);
  });

  it('explains each finding with the deciding ACL rule', () => {
    const byCode = (code: string): Rec[] => findings(rec.live).filter((f) => f['code'] === code);

    const [refused] = byCode('connect-refused');
    expect(refused!['username']).toBe('user1');
    expect(refused!['text']).toContain(version === 'mqttv5' ? 'CONNACK 0x87 (Not authorized)' : 'CONNACK 5 (Connection Refused, not authorized)');

    // At its SUBACK, before any message: user2-sub's filter is user1's topic, which user2 may never read.
    const [atSub, withheld, ...more] = byCode('withheld-delivery');
    expect(more).toEqual([]);
    expect(atSub).toMatchObject({
      severity: 'info', username: 'user2', at_subscribe: true, filter: OWN, acl_file: files.acl, acl_access: 'read', acl_allowed: false,
      acl_decision: 'no-rule', acl_line: null, acl_rules: [{ line: 1, rule: 'pattern readwrite +/+/+/%u', section: 'pattern' }],
    });
    // proxy --acl names mosquitto: an acl_file is mosquitto's.
    expect(atSub!['text']).toContain(`mosquitto granted user2-sub-${tag} the subscription '${OWN}' (granted QoS 0), but the acl_file lets user2 read no topic that matches it: nothing will ever be delivered on it`);
    expect(atSub!['text']).toContain(`(acl line 1: pattern readwrite +/+/+/%u becomes +/+/+/user2: no topic matches both it and ${OWN})`);
    expect(withheld!['severity']).toBe('warn');
    expect(withheld!['username']).toBe('user2');
    expect(withheld!['acl_rules']).toMatchObject([{ line: 1, rule: 'pattern readwrite +/+/+/%u', section: 'pattern' }]);
    expect(withheld!['publisher']).toEqual({ client_id: `u1-own-${tag}`, username: 'user1' });
    expect(withheld!['subscribers']).toMatchObject([{ client_id: `user2-sub-${tag}`, filter: OWN }]);
    expect(withheld!['acl_confirmed']).toBe(true);
    expect(withheld!['text']).toContain(`to admin-sub-${tag} but not to user2-sub-${tag}`);
    expect(withheld!['text']).toContain("pattern readwrite +/+/+/%u becomes +/+/+/user2; level 4 is 'user2' and colombia/cundinamarca/cajica/user1 has 'user1' there");
    expect(withheld!['acl_explanation']).toContain('+/+/+/user2');

    const undelivered = byCode('undelivered-publish');
    expect(undelivered.length).toBe(version === 'mqttv5' ? 1 : 3);
    for (const u of undelivered) {
      expect(u['username']).toBe('user1');
      expect(u['subscribers']).toMatchObject([{ client_id: `admin-sub-${tag}`, filter: '#' }]);
      expect(u['acl_confirmed']).toBe(true);
      expect(u['acl_write_allowed']).toBe(false);
      expect(u['text']).toMatch(/^mosquitto (accepted|acknowledged) this QoS [012] publish from user1/);
      expect(u['text']).toContain(`delivered it to none of the 1 subscriber(s) whose filters match (admin-sub-${tag}: '#')`);
      expect(u['text']).toContain("write DENIED for user1 on 'panama/colon/user1': no rule grants it");
      expect(u['text']).toContain('pattern readwrite +/+/+/%u becomes +/+/+/user1; it has 4 levels and panama/colon/user1 has 3');
      expect(u['acl_explanation']).toContain('+/+/+/user1');
      // The file's name (written as 'acl') with the line, and the rule as fields.
      expect(u['text']).toContain('(acl line 1: pattern readwrite +/+/+/%u becomes +/+/+/user1;');
      expect(u).toMatchObject({ acl_file: files.acl, acl_access: 'write', acl_allowed: false, acl_decision: 'no-rule', acl_rules: [{ line: 1, section: 'pattern' }] });
    }
    if (version === 'mqttv311') {
      // 3.1.1: mosquitto acknowledged the denied QoS 1/2 publishes normally.
      expect(undelivered.map((u) => u['text'])).toEqual(expect.arrayContaining([
        expect.stringContaining('QoS 0 publish from user1'),
        expect.stringContaining('QoS 1 publish from user1 (PUBACK rc 0)'),
        expect.stringContaining('QoS 2 publish from user1'),
      ]));
    } else {
      expect(undelivered[0]!['client_id']).toBe('u1-deny-q0-v5');
      const rejected = byCode('publish-rejected');
      expect(rejected.map((r) => [r['client_id'], r['reason_code'], r['qos']])).toEqual([
        ['u1-deny-q1-v5', 0x87, 1], ['u1-deny-q2-v5', 0x87, 2],
      ]);
      expect(rejected[0]!['text']).toContain('PUBACK 0x87 (Not authorized)');
      expect(rejected[1]!['text']).toContain('PUBREC 0x87 (Not authorized)');
      // With --acl the rejection names the rule that leaves the write denied.
      for (const r of rejected) {
        expect(r['text']).toContain("The acl_file denies this write: write DENIED for user1 on 'panama/colon/user1': no rule grants it (acl line 1: pattern readwrite +/+/+/%u becomes +/+/+/user1; it has 4 levels and panama/colon/user1 has 3)");
        expect(r).toMatchObject({ acl_confirmed: true, acl_file: files.acl, acl_decision: 'no-rule', acl_rules: [{ line: 1, rule: 'pattern readwrite +/+/+/%u' }] });
      }
    }
  });

  it('the pcap it wrote, read back with mqttscope read --acl, gives the same findings', async () => {
    expect(rec.readExit, rec.readErr).toBe(0);
    expect(keys(rec.read)).toEqual(expected);
    await contractCheck(rec.read.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const strip = (f: Rec): unknown => ({
      code: f['code'], client_id: f['client_id'], username: f['username'], topic: f['topic'],
      subscribers: f['subscribers'], publisher: f['publisher'], acl_confirmed: f['acl_confirmed'],
      // Live records take the frame numbers of the pcap the proxy writes, so a finding's
      // frames point at the same packets in Wireshark as in the live view.
      frames: f['frames'],
    });
    const sort = (a: Rec[]): unknown[] => a.map(strip).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    expect(sort(findings(rec.read))).toEqual(sort(findings(rec.live)));
    expect(packets(rec.read).map((p) => p['type'])).toEqual(packets(rec.live).map((p) => p['type']));
    expect(packets(rec.read).map((p) => p['frame']).sort()).toEqual(packets(rec.live).map((p) => p['frame']).sort());
  });

  it('tshark decodes the pcap: the same MQTT packets as mqttscope', async () => {
    const t = await tsharkTypes(rec.pcap, rec.listenPort);
    expect(t.length).toBe(packets(rec.live).length);
    // Both sides order packets by capture time; compare as multisets of types.
    expect([...t].sort((a, b) => a - b)).toEqual(packets(rec.live).map((p) => TYPE_NUM[String(p['type'])]!).sort((a, b) => a - b));
  });
});

describe.each([['mqttv311', 'ok311'], ['mqttv5', 'ok5']] as Array<[Version, string]>)('only traffic the ACL allows, -V %s', (version, tag) => {
  it('gives no findings at all, live and read back', async () => {
    const rec = await record(version, 'allowed', tag);
    expect(rec.proxyExit, rec.proxyErr).toBe(0);
    expect(rec.scenario.steps.map((s) => s.code)).toEqual([0, 0, 0, 0, 0]);
    // Every matching subscriber was served.
    expect(rec.scenario.adminGot.trim().split('\n').sort()).toEqual(
      [`${OWN} own-q0`, `${OWN} own-q1`, `${OWN} own-q2`, `${OWN2} from-user2`, `${OWN2} from-admin`].sort());
    expect(rec.scenario.user2Got.trim().split('\n')).toEqual([`${OWN2} from-user2`, `${OWN2} from-admin`]);
    expect(findings(rec.live)).toEqual([]);
    expect(rec.live.at(-1)!['findings']).toEqual({});
    expect(rec.readExit, rec.readErr).toBe(0);
    expect(findings(rec.read)).toEqual([]);
    expect(packets(rec.read).length).toBe(packets(rec.live).length);
  });
});
