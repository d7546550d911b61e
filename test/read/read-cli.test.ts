// `mqttscope read`: exit codes, errors naming file and frame, filters, formats,
// the summary, the JSON contract, and per-type counts equal to tshark's on captures/.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/cli/progress.js';
import { mqttscope, readJsonRecords, ROOT, tshark } from './run.js';
import { tempDir } from '../helpers/tmp.js';

const CAP = (f: string): string => resolve(ROOT, 'captures', f);
const tmp = tempDir('mqttscope-read-');

describe('read', () => {
  it('prints one line per packet and exits 0', () => {
    const r = mqttscope(['read', CAP('will.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sensor-7 +→ CONNECT/);
    expect(r.stdout).toMatch(/will-published/);
    expect(r.stderr).toBe(''); // no progress when stderr is not a TTY
  });

  it('exits 1 and names file and frame for a truncated capture, after decoding what is there', () => {
    const whole = readFileSync(CAP('will.pcap'));
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const r = mqttscope(['read', cut]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: frame \\d+: .*cut short`));
    expect(r.stdout).toMatch(/CONNECT/);
  });

  it('exits 1 for a missing file and for a file that is not a capture', () => {
    expect(mqttscope(['read', join(tmp, 'nope.pcap')]).code).toBe(1);
    const junk = join(tmp, 'junk.pcap');
    writeFileSync(junk, 'hello, this is not a pcap at all');
    const r = mqttscope(['read', junk]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/junk\.pcap: .*(magic|not a)/);
  });

  it('a bad filter is a usage error that points at the character', () => {
    const r = mqttscope(['read', CAP('will.pcap'), '--filter', 'publish &&& topic']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/publish &&& topic\n\s+\^/);
  });

  it('filters with --filter', () => {
    const rs = readJsonRecords(CAP('qos-levels.pcapng'), ['--filter', 'publish && mqtt.qos == 2']);
    const ps = rs.filter((r) => r['kind'] === 'packet');
    expect(ps.length).toBe(2); // pub-q2 → broker, broker → sub-qos
    expect(ps.every((p) => p['type'] === 'PUBLISH' && p['qos'] === 2)).toBe(true);
  });

  it('--filter finding shows the packets a finding is about, though the finding comes later', () => {
    const rs = readJsonRecords(CAP('acl.pcap'), ['--acl', CAP('acl.acl'), '--filter', 'finding']);
    const ps = rs.filter((r) => r['kind'] === 'packet').map((p) => `${p['type']} ${p['topic'] ?? ''}`.trim());
    // The two silently dropped publishes (and the PUBACK of the QoS 1 one), then the refused CONNECT/CONNACK.
    expect(ps).toEqual(['PUBLISH panama/colon/user1', 'PUBLISH panama/colon/x/user1', 'PUBACK', 'CONNECT', 'CONNACK']);
    expect(rs.filter((r) => r['kind'] === 'finding').map((f) => f['code']).sort()).toEqual(['connect-refused', 'undelivered-publish', 'undelivered-publish']);
  });

  it('--acl names mosquitto as the broker whose acl_file it is, and the file and line of the rule', () => {
    const rs = readJsonRecords(CAP('acl.pcap'), ['--acl', CAP('acl.acl'), '--filter', 'finding == "undelivered-publish"']);
    const fs = rs.filter((r) => r['kind'] === 'finding');
    expect(fs).toHaveLength(2);
    for (const f of fs) {
      expect(f['text']).toMatch(/^mosquitto (accepted|acknowledged) this QoS [01] publish/);
      expect(f['text']).toContain('(acl.acl line 4: pattern readwrite +/+/+/%u becomes');
      // No rule grants the write: the rule that came closest is listed, none decided it.
      expect(f).toMatchObject({ acl_file: CAP('acl.acl'), acl_access: 'write', acl_allowed: false, acl_decision: 'no-rule', acl_rules: [expect.objectContaining({ line: 4, rule: 'pattern readwrite +/+/+/%u' })] });
    }
  });

  it('--acl: a line mosquitto reads differently from how it looks gets a warning on stderr', () => {
    const dir = tempDir('mqttscope-aclwarn-');
    const acl = join(dir, 'tab.acl');
    writeFileSync(acl, 'topic read\tfoo\n'); // a tab, not a space: mosquitto makes this readwrite on the topic 'read<TAB>foo'
    const r = mqttscope(['read', CAP('acl.pcap'), '--acl', acl]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${acl}:1: the topic 'read\\tfoo' contains a tab character`);
  });

  it('says once per connection that the version was inferred when no CONNECT was captured', () => {
    const r = mqttscope(['read', resolve(ROOT, 'test/fixtures/suricata-verify/tests/mqtt-midstream-split/mqtt-midstream-split.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/MQTT 5 inferred: no CONNECT captured/g)).toHaveLength(1);
    const json = readJsonRecords(resolve(ROOT, 'test/fixtures/suricata-verify/tests/mqtt-midstream-split/mqtt-midstream-split.pcap'), []);
    expect(json.filter((x) => x['kind'] === 'packet').every((x) => x['version'] === 5 && x['version_inferred'] === true)).toBe(true);
  });

  it('json output passes the contract checker', () => {
    const r = mqttscope(['read', CAP('mqtt5-properties.pcap'), CAP('acl.pcap'), '--format', 'json']);
    expect(r.code).toBe(0);
    const chk = spawnSync('python3', [resolve(ROOT, '../shared/tools/check-json-contract.py')], { input: r.stdout, encoding: 'utf8' });
    expect(chk.stdout + chk.stderr).toMatch(/^0 problems/m);
    expect(chk.status).toBe(0);
    const pub = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((x) => x.type === 'PUBLISH' && x.dir === 'c2s' && x.topic === 'v5/props');
    expect(pub.properties.user_property).toEqual([['k', 'v'], ['site', 'lab-2']]);
    expect(pub.properties.content_type).toBe('application/json');
  });

  it('--summary shows types, clients, topics, findings and QoS flows', () => {
    const r = mqttscope(['read', CAP('qos-levels.pcapng'), '--summary']);
    expect(r.code).toBe(0);
    for (const h of ['Packets by type', 'Clients', 'Topics', 'Findings', 'QoS flows']) expect(r.stdout).toContain(h);
    expect(r.stdout).toMatch(/PUBREL\s+2/);
    const j = readJsonRecords(CAP('qos-levels.pcapng'), ['--summary']);
    expect(j).toHaveLength(1);
    expect(j[0]).toMatchObject({ kind: 'summary', connections: 4 });
  });

  it('a one-way capture: one note on stderr and one stream-gap, not one per ACK; --summary lists the note', () => {
    const file = resolve(ROOT, 'test/fixtures/capture-variants/tcp-one-way-publisher.pcap');
    const r = mqttscope(['read', file]);
    expect(r.code).toBe(0); // an info note: the file itself is sound
    const notes = r.stderr.trim().split('\n');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`${file}: frame 4: 10.0.0.1:40001-10.0.0.2:1883: not one broker→client segment was captured, yet the client's ACKs show the broker sent 406 byte(s)`);
    expect(r.stdout.match(/!! stream-gap/g)).toHaveLength(1);
    const j = readJsonRecords(file);
    const gaps = j.filter((x) => x['kind'] === 'finding' && x['code'] === 'stream-gap');
    expect(gaps).toHaveLength(1);
    // The gap says why: not a lost segment, a direction the capture never had.
    expect(gaps[0]).toMatchObject({ dir: 's2c', reason: 'not-captured' });
    expect(gaps[0]!['text']).toBe('the broker→client stream is missing from the capture: not one segment of this direction has been captured so far (a one-way capture, or its start was lost), so its packets cannot be decoded');
    const sum = mqttscope(['read', file, '--summary']);
    expect(sum.stdout).toMatch(/Capture notes\n\s+info\s+tcp-direction-not-captured\n/);
    // Its flows had no answer in view: unobserved, not incomplete; also when two files' statistics are merged.
    expect(sum.stdout).toMatch(/publish-qos1 +100 +0 +0 +0 +100 /);
    const two = mqttscope(['read', file, file, '--summary']);
    expect(two.stdout).toMatch(/flow +count +complete +rejected +incomplete +unobserved/);
    expect(two.stdout).toMatch(/publish-qos1 +200 +0 +0 +0 +200 /);
    // With a filter the table is counted from the passing packets, and knows the missing direction too.
    const filtered = mqttscope(['read', file, '--summary', '--filter', 'publish']);
    expect(filtered.stdout).toMatch(/publish-qos1 +100 +0 +0 +0 +100 /);
  });

  it('a capture cut by its snap length: each cut frame is named with the bytes captured and the snap length', () => {
    const file = resolve(ROOT, 'test/fixtures/capture-variants/editcap-snap72.pcap');
    const r = mqttscope(['read', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: frame 4: only 72 of 84 bytes were captured (cut when the file was written or edited, e.g. by editcap -s: below the capture's snap length of 262144 bytes); the last 12 byte(s) of this packet are missing`);
    const sum = mqttscope(['read', file, '--summary']);
    expect(sum.stdout).toMatch(/warn\s+snaplen-truncated ×5\n\s+only 72 of 74 bytes were captured \(cut when the file was written or edited, e\.g\. by editcap -s: below the capture's snap length of 262144 bytes/);
  });

  it('reads pcapng, nanosecond pcap and WebSocket captures', () => {
    const ns = readJsonRecords(CAP('retained-ns.pcap')).filter((r) => r['kind'] === 'packet');
    expect(ns.length).toBeGreaterThan(5);
    expect(String(ns[0]!['time'])).toMatch(/\.\d{6}Z$/);
    const ws = readJsonRecords(CAP('websocket.pcap')).filter((r) => r['kind'] === 'packet');
    expect(ws.map((r) => r['type'])).toContain('PUBLISH');
  });

  it('decodes Remaining Lengths of 509, 49798 and over 64 KiB', () => {
    const ps = readJsonRecords(CAP('large-payloads.pcap')).filter((r) => r['kind'] === 'packet' && r['type'] === 'PUBLISH' && r['dir'] === 'c2s');
    expect(ps.map((p) => [p['length'], p['length_bytes']])).toEqual([[509, 'fd03'], [49798, '86850300'.slice(0, 6)], [70011, 'fba204']]);
  });

  it('the progress line shows bytes, packets/s and time left', () => {
    let now = 0;
    const writes: string[] = [];
    const p = new Progress({ total: 10 * 1048576, enabled: true, stream: { write: (s: string) => writes.push(s) }, now: () => now, label: 'x.pcap' });
    now = 2000;
    p.update(5 * 1048576, 100_000);
    expect(writes[0]).toMatch(/x\.pcap: 5\.00 MiB\/10\.0 MiB \(50%\) · 50,000 pkt\/s · 00:02 left/);
    p.clear();
    expect(writes[1]).toBe('\r\x1b[2K');
    const off = new Progress({ total: 1, enabled: false, stream: { write: (s: string) => writes.push(s) } });
    off.update(1, 1);
    expect(writes).toHaveLength(2);
  });
});

describe('per-type counts equal tshark -T fields -e mqtt.msgtype on captures/', () => {
  const NAMES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];
  // websocket.pcap: tshark does not decode MQTT inside WebSocket (see tshark-failures.test.ts).
  const files = readdirSync(resolve(ROOT, 'captures')).filter((f) => /\.pcap(ng)?$/.test(f) && f !== 'websocket.pcap');
  for (const f of files) {
    it(f, () => {
      const ours: Record<string, number> = {};
      for (const r of readJsonRecords(CAP(f))) if (r['kind'] === 'packet') ours[r['type'] as string] = (ours[r['type'] as string] ?? 0) + 1;
      // Captures use random ports: tell tshark which one is MQTT.
      const port = /:(\d+)$/.exec(String(readJsonRecords(CAP(f)).find((r) => r['kind'] === 'packet')!['conn']))![1];
      const t = tshark(['-r', CAP(f), '-d', `tcp.port==${port},mqtt`, '-T', 'fields', '-e', 'mqtt.msgtype']);
      expect(t.code).toBe(0);
      const theirs: Record<string, number> = {};
      for (const line of t.stdout.split('\n')) for (const v of line.split(',').filter(Boolean)) theirs[NAMES[Number(v)]!] = (theirs[NAMES[Number(v)]!] ?? 0) + 1;
      expect(ours).toEqual(theirs);
    });
  }
});
