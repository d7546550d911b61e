// The same display filter selects the same frames here as in tshark's -Y, on
// the sample captures (merged into one file with mergecap, so one tshark run
// per filter). tshark is given `mqtt && (FILTER)` with `-d tcp.port==P,mqtt`
// for each broker port: Wireshark also shows TCP-only frames, which are not
// records here. A frame is selected here when any MQTT packet in it matches.
// tshark (and mergecap, from the same package) missing is a failure, not a skip.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import { compileFilter } from '../../src/filter/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { requireBinary } from '../helpers/peers.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// websocket.pcap: tshark needs the HTTP upgrade dissected as WebSocket, not -d ...,mqtt.
const CAPTURES = readdirSync(join(ROOT, 'captures')).filter((f) => /\.pcap(ng)?$/.test(f) && !f.startsWith('websocket')).sort();

// The filters a Wireshark user types, with fields both tools have (see docs/filters.md).
const FILTERS = [
  'mqtt',
  'tcp && mqtt',
  'mqtt.topic == "Room1/Light"',
  'mqtt.msgtype == 3',
  'mqtt.msgtype == 12 || mqtt.msgtype == 13',
  'mqtt.qos >= 1 && !mqtt.retain',
  'mqtt.qos >= 1 && mqtt.retain == 0',
  'mqtt.qos != 0',
  'mqtt.dupflag == 0 && mqtt.qos == 2',
  'mqtt.clientid == "watcher"',
  'mqtt.clientid eq "twin"',
  'mqtt.username == "user1"',
  'mqtt.conflag.passwd == 1 && mqtt.conflag.uname',
  'mqtt.conflag.cleansess == 0',
  'mqtt.conack.val == 5',
  'mqtt.conack.flags.sp == 1',
  'mqtt.connack.reason_code == 0',
  'mqtt.msgid == 1',
  'mqtt.msgid && !mqtt.qos',
  'mqtt.topic_len > 10',
  'mqtt.topic contains "colon"',
  'mqtt.kalive == 5',
  'mqtt.ver == 5',
  'mqtt.protoname == "MQTT"',
  'mqtt.willtopic == "status/sensor-7"',
  'mqtt.willmsg contains "offline"',
  'mqtt.suback.qos == 2',
  'mqtt.len > 1000',
  'mqtt.hdrflags == 0x30',
  'mqtt.hdr_reserved == 2',
  'mqtt.msg contains "Turn"',
  'mqtt.msg == "Turn On"',
  'mqtt.msgtype in {8, 9}',
  'mqtt.msgtype in {1..3, 12}',
  'mqtt.qos in {1..2}',
  'mqtt contains "Room1"',
  'mqtt.prop_key == "site"',
  'mqtt.prop_value contains "lab"',
  'mqtt.property.content_type == "application/json"',
  'mqtt.subscription_options_qos == 0',
  'ip.addr == 127.0.0.1 && tcp.port == 45219',
  'ip.src == 127.0.0.1 && tcp.srcport == 45219',
  'tcp.dstport == 41777',
  // Subnets (were a syntax error).
  'ip.addr == 127.0.0.0/8 && mqtt.msgtype == 3',
  'ip.src in {10.0.0.0/8, 127.0.0.1/32} && tcp.srcport == 45219',
  'frame.number >= 10 && frame.number <= 20',
  // Byte strings on bytes fields (were a syntax error, or text: `contains 54` was "54").
  'mqtt.msg contains 54:75',
  'mqtt.msg contains 54-75',
  'mqtt.msg == 54:75:72:6e:20:4f:6e',
  'mqtt.msg contains 5475',
  'mqtt.msg contains 0x54',
  'mqtt.msg contains 4f',
  'mqtt.msg == 5475726e204f6e',
  'mqtt.willmsg == 6f:66:66:6c:69:6e:65',
  // Octal escapes (`\\057` was NUL then "57": nothing matched).
  'mqtt.topic == "\\x52oom1\\057Light"',
  'mqtt.topic == "\\122oom1/Light"',
  // Wireshark 4's all_eq and any_ne.
  'mqtt.msg === "Turn On"',
  'mqtt.suback.qos !== 0',
  'mqtt.suback.qos === 1',
  'mqtt.topic !== "demo/#"',
  'mqtt.prop_key !== "site"',
  'mqtt.msgtype all_eq 9',
  // Octal and binary integers (074 was 74).
  'mqtt.kalive == 074',
  'mqtt.kalive in {070..075}',
  'mqtt.msgtype == 0b11',
  // Slices (were refused).
  'mqtt.msg[0:2] == 54:75',
  'mqtt.msg[0] == 0x54',
  'mqtt.msg[-2:] == "On"',
  'mqtt.msg[1-3] == "urn"',
  'mqtt.topic[0:4] == "demo"',
  'mqtt.topic[0:5]',
  'mqtt.topic[0:5] != "Room1"',
  'mqtt.topic[0:5] !== "Room1"',
  'mqtt[0] == 0x82',
  'mqtt.clientid[0:4] == "twin"',
];

let merged = '';
let ports: number[] = [];
let records: PacketRecord[] = [];
let tshark = '';

beforeAll(async () => {
  tshark = requireBinary('tshark');
  const mergecap = join(dirname(tshark), 'mergecap');
  if (!existsSync(mergecap)) throw new Error('mergecap is not installed: apt-get install -y tshark (its wireshark-common has mergecap)');
  merged = join(tempDir('mqttscope-tshark-filter-'), 'all.pcapng');
  execFileSync(mergecap, ['-a', '-w', merged, ...CAPTURES.map((f) => join(ROOT, 'captures', f))]);
  const engine = new Engine({ onRecord: (r) => { if (r.kind === 'packet') records.push(r); } });
  await readCaptureFile(merged, { engine, ports: [] });
  ports = [...new Set(records.map((r) => r.conn.server.port))];
  expect(records.length).toBeGreaterThan(150);
}, 30_000);

const run = promisify(execFile);

async function tsharkFrames(filter: string): Promise<number[]> {
  const args = ['-r', merged, ...ports.flatMap((p) => ['-d', `tcp.port==${p},mqtt`]), '-Y', `mqtt && (${filter})`, '-T', 'fields', '-e', 'frame.number'];
  const { stdout } = await run(tshark, args, { maxBuffer: 1 << 24 });
  return stdout.split('\n').filter(Boolean).map(Number);
}

function ourFrames(filter: string): number[] {
  const f = compileFilter(filter);
  return [...new Set(records.filter((r) => f(r)).map((r) => r.frame))].sort((a, b) => a - b);
}

describe('a filter selects the frames tshark -Y selects', () => {
  it('on every sample capture', async () => {
    const diffs: string[] = [];
    // Four tshark runs at a time.
    const queue = [...FILTERS];
    await Promise.all([0, 1, 2, 3].map(async () => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
        const theirs = await tsharkFrames(f);
        const ours = ourFrames(f);
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) diffs.push(`${f}: ours [${ours.join(' ')}] tshark [${theirs.join(' ')}]`);
      }
    }));
    expect(diffs).toEqual([]);
  }, 60_000);

  it('the filters match something, so the comparison means something', () => {
    const empty = FILTERS.filter((f) => ourFrames(f).length === 0);
    // `!mqtt.retain` is an existence test and every PUBLISH has a RETAIN flag, in both tools.
    expect(empty).toEqual(['mqtt.qos >= 1 && !mqtt.retain']);
  });
});
