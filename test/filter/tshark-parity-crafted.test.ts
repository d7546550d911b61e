// The same display filter selects the same frames here as in tshark -Y, on a
// capture written by the project's pcap writer with the cases the sample
// captures lack: an empty Client Identifier (3.1.1, and MQTT 5 with an id the
// broker assigns), an empty payload, an MQTT 5 Topic Alias (set, used, and one
// never set), empty user property strings. tshark missing is a failure.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqttPacket from 'mqtt-packet';
import { beforeAll, describe, expect, it } from 'vitest';
import { PcapConversationEncoder, pcapGlobalHeader } from '../../src/capture/pcap-writer.js';
import { readCaptureFile } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import { compileFilter } from '../../src/filter/index.js';
import { labelsOf } from '../../src/filter/wireshark-labels.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { requireBinary } from '../helpers/peers.js';
import { tempDir } from '../helpers/tmp.js';

const BROKER = 18830;

/** A packet for mqtt-packet to encode, or its bytes (what mqtt-packet will not write). */
type Step = ['c2s' | 's2c', Record<string, unknown> | Uint8Array];

/** One TCP conversation per client port, each packet in its own segment. */
function capture(convs: Array<[port: number, version: 4 | 5, steps: Step[]]>): Buffer {
  const out: Buffer[] = [pcapGlobalHeader()];
  let t = 1_700_000_000_000_000;
  for (const [port, version, steps] of convs) {
    const e = new PcapConversationEncoder({ host: '127.0.0.1', port }, { host: '127.0.0.1', port: BROKER });
    out.push(e.open(t));
    for (const [dir, p] of steps) {
      const bytes = p instanceof Uint8Array ? p : mqttPacket.generate(p as unknown as mqttPacket.Packet, { protocolVersion: version });
      out.push(e.data(dir, bytes, (t += 1000)));
    }
    out.push(e.close((t += 1000)));
  }
  return Buffer.concat(out);
}

const CONVS: Array<[number, 4 | 5, Step[]]> = [
  // MQTT 5, empty Client Identifier: the broker assigns `assigned-id` in its CONNACK.
  [40001, 5, [
    ['c2s', { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: '', clean: true, keepalive: 30 }],
    ['s2c', { cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { assignedClientIdentifier: 'assigned-id', topicAliasMaximum: 5 } }],
    // Sets Topic Alias 1 to x/y, then uses it with an empty Topic Name.
    ['c2s', { cmd: 'publish', topic: 'x/y', payload: Buffer.from('1'), qos: 0, retain: false, dup: false, properties: { topicAlias: 1 } }],
    ['c2s', { cmd: 'publish', topic: '', payload: Buffer.from('2'), qos: 1, messageId: 3, retain: false, dup: false, properties: { topicAlias: 1, userProperties: { k: '', '': 'v' }, contentType: '' } }],
    ['s2c', { cmd: 'puback', messageId: 3, reasonCode: 16 }],
    ['c2s', { cmd: 'disconnect', reasonCode: 0 }],
  ]],
  // MQTT 5: Topic Alias 2 was never set (its topic is unknown, in both tools).
  [40002, 5, [
    ['c2s', { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'al', clean: true, keepalive: 30 }],
    ['s2c', { cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { topicAliasMaximum: 5 } }],
    ['c2s', { cmd: 'publish', topic: '', payload: Buffer.from('3'), qos: 0, retain: false, dup: false, properties: { topicAlias: 2 } }],
  ]],
  // MQTT 3.1.1, empty Client Identifier; an empty retained payload.
  [40003, 4, [
    ['c2s', { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: '', clean: true, keepalive: 30 }],
    ['s2c', { cmd: 'connack', returnCode: 0, sessionPresent: false }],
    ['c2s', { cmd: 'publish', topic: 'c', payload: Buffer.alloc(0), qos: 1, messageId: 7, retain: true, dup: false }],
    ['s2c', { cmd: 'puback', messageId: 7 }],
    // PUBLISH with an empty Topic Name, which 3.1.1 forbids.
    ['c2s', Uint8Array.of(
      0x30, // PUBLISH, QoS 0
      0x03, // Remaining Length 3
      0x00, 0x00, // Topic Length 0
      0x41, // payload "A"
    )],
    // SUBSCRIBE with an empty Topic Filter.
    ['c2s', Uint8Array.of(
      0x82, // SUBSCRIBE, reserved flags 0010
      0x05, // Remaining Length 5
      0x00, 0x09, // Packet Identifier 9
      0x00, 0x00, // Topic Filter length 0
      0x00, // Requested QoS 0
    )],
  ]],
  // A client that names itself assigned-id, with an empty user name and password.
  [40004, 4, [
    ['c2s', { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'assigned-id', clean: true, keepalive: 30, username: '', password: Buffer.alloc(0) }],
    ['s2c', { cmd: 'connack', returnCode: 0, sessionPresent: false }],
  ]],
  // A password to order (a string in Wireshark, compared as text).
  [40005, 4, [
    ['c2s', { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'pw', clean: true, keepalive: 30, username: 'u', password: Buffer.from('s3cret') }],
    ['s2c', { cmd: 'connack', returnCode: 0, sessionPresent: false }],
  ]],
];

const FILTERS = [
  // An empty needle: never in text nor in the whole packet; in bytes when there is a byte.
  'mqtt.topic contains ""',
  'mqtt.clientid contains ""',
  'mqtt.prop_value contains ""',
  'mqtt contains ""',
  'mqtt.msg contains ""',
  'mqtt[0:] contains ""',
  'mqtt.topic[0:1] contains ""',
  'mqtt.msg == ""',
  // The Client Identifier of the CONNECT, as sent (only CONNECT has the field).
  'mqtt.clientid == ""',
  'mqtt.clientid == "assigned-id"',
  'mqtt.clientid',
  'mqtt.clientid_len == 0',
  'mqtt.clientid != "x"',
  'mqtt.username == ""',
  'mqtt.passwd == ""',
  // A used Topic Alias: mqtt.topic is the topic it stands for; an unknown one stays empty.
  'mqtt.topic == "x/y"',
  // (An empty SUBSCRIBE Topic Filter is mqtt.topic == "" here; tshark adds no mqtt.topic for it.)
  'mqtt.topic == "" && mqtt.msgtype == 3',
  'mqtt.topic && mqtt.msgtype != 8',
  'mqtt.topic_len == 0',
  'mqtt.topic[0:1] == "x"',
  'mqtt.property.topic_alias == 1',
  'mqtt.prop_key == ""',
  'mqtt.prop_value == ""',
  'mqtt.property.content_type == ""',
  'mqtt.puback.reason_code == 16',
  // mqtt.passwd orders as text, as tshark orders its string.
  'mqtt.passwd > "a"',
  'mqtt.passwd < "s3d"',
  'mqtt.passwd >= "s3cret"',
  'mqtt.passwd > "s3cret"',
  'mqtt.passwd <= ""',
  // Wireshark's value labels in place of the number, in any case.
  'mqtt.msgtype == "Publish Message"',
  'mqtt.msgtype == "publish ack"',
  'mqtt.msgtype in {"Connect Command", "Disconnect Req"}',
  'mqtt.msgtype > "Publish Message"',
  'mqtt.conack.val == "Connection Accepted"',
  'mqtt.connack.reason_code == "Success"',
  'mqtt.puback.reason_code == "No matching subscribers"',
  'mqtt.qos == "At least once delivery (Acknowledged deliver)"',
  'mqtt.ver == "MQTT v5.0"',
  'mqtt.property_id == "Topic Alias"',
  'mqtt.property_id != "User Property"',
];

let file = '';
const records: PacketRecord[] = [];
let tshark = '';

beforeAll(async () => {
  tshark = requireBinary('tshark');
  file = join(tempDir('mqttscope-tshark-crafted-'), 'crafted.pcap');
  writeFileSync(file, capture(CONVS));
  const engine = new Engine({ onRecord: (r) => { if (r.kind === 'packet') records.push(r); } });
  await readCaptureFile(file, { engine, ports: [] });
  expect(records.length).toBe(19);
}, 30_000);

const run = promisify(execFile);

async function tsharkFrames(filter: string): Promise<number[]> {
  const args = ['-r', file, '-d', `tcp.port==${BROKER},mqtt`, '-Y', `mqtt && (${filter})`, '-T', 'fields', '-e', 'frame.number'];
  const { stdout } = await run(tshark, args, { maxBuffer: 1 << 22 });
  return stdout.split('\n').filter(Boolean).map(Number);
}

function ourFrames(filter: string): number[] {
  const f = compileFilter(filter);
  return [...new Set(records.filter((r) => f(r)).map((r) => r.frame))].sort((a, b) => a - b);
}

const frameOf = (pred: (r: PacketRecord) => boolean): number[] => records.filter(pred).map((r) => r.frame);

describe('a filter selects the frames tshark -Y selects, on crafted edge cases', () => {
  it('every filter of the list', async () => {
    const diffs: string[] = [];
    const queue = [...FILTERS];
    await Promise.all([0, 1].map(async () => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
        const theirs = await tsharkFrames(f);
        const ours = ourFrames(f);
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) diffs.push(`${f}: ours [${ours.join(' ')}] tshark [${theirs.join(' ')}]`);
      }
    }));
    expect(diffs).toEqual([]);
  }, 60_000);

  it('contains "" is false on text and on the whole packet, and on bytes needs one byte', () => {
    expect(ourFrames('mqtt.topic contains ""')).toEqual([]);
    expect(ourFrames('mqtt.clientid contains ""')).toEqual([]);
    expect(ourFrames('mqtt contains ""')).toEqual([]);
    // The empty retained payload of port 40003 is left out.
    const nonEmptyPayloads = frameOf((r) => r.summary.type === 3 && (r.summary.payloadLength ?? 0) > 0);
    expect(nonEmptyPayloads.length).toBe(4);
    expect(ourFrames('mqtt.msg contains ""')).toEqual(nonEmptyPayloads);
    expect(ourFrames('mqtt[0:] contains ""')).toEqual(frameOf(() => true));
  });

  it('mqtt.topic of a PUBLISH that uses a Topic Alias is the topic the alias stands for', () => {
    const aliased = frameOf((r) => r.summary.type === 3 && r.summary.topic === '' && r.topic === 'x/y');
    const unknown = frameOf((r) => r.summary.type === 3 && r.version === 5 && r.summary.topic === '' && !r.topic);
    expect(aliased.length).toBe(1);
    expect(unknown.length).toBe(1);
    expect(ourFrames('mqtt.topic == "x/y"')).toEqual([...frameOf((r) => r.summary.topic === 'x/y'), ...aliased]);
    expect(ourFrames('mqtt.topic == "" && version == 5')).toEqual(unknown);
    expect(ourFrames('mqtt.topic == "" && publish')).toEqual(unknown);
  });

  it('mqtt.clientid is the Client Identifier the CONNECT sent, not the assigned one', () => {
    const emptyConnects = frameOf((r) => r.summary.type === 1 && r.summary.connect?.clientId === '');
    expect(emptyConnects.length).toBe(2);
    expect(ourFrames('mqtt.clientid == ""')).toEqual(emptyConnects);
    // Only the CONNECT of the client that named itself so; the assigned id is `client`.
    expect(ourFrames('mqtt.clientid == "assigned-id"')).toEqual(frameOf((r) => r.summary.type === 1 && r.summary.connect?.clientId === 'assigned-id'));
    expect(ourFrames('client == "assigned-id"').length).toBeGreaterThan(2);
  });

  it('the value labels are those of tshark -G values', async () => {
    const { stdout } = await run(tshark, ['-G', 'values'], { maxBuffer: 1 << 28 });
    // Ids named otherwise here; mqtt.subscription_options_qos has mqtt.sub.qos's labels.
    const here: Record<string, string> = { 'mqtt.property.max_qos': 'mqtt.property.maximum_qos', 'mqtt.subscription_options_retain': 'mqtt.sub.rh', 'mqtt.subscription_options_qos': 'mqtt.sub.qos' };
    const theirs = new Map<string, string[]>();
    for (const line of stdout.split('\n')) {
      const [v, id, , label] = line.split('\t');
      if (v !== 'V' || !id?.startsWith('mqtt.') || label === undefined) continue;
      const key = here[id] ?? id;
      if (id === 'mqtt.subscription_options_qos') continue;
      theirs.set(key, [...(theirs.get(key) ?? []), label]);
    }
    expect(theirs.size).toBe(19);
    for (const [id, labels] of theirs) expect([id, labelsOf(id)]).toEqual([id, labels]);
  });

  it('the note filter that the error for a Wireshark expert id names selects what that id selects in tshark', async () => {
    const reason = (f: string): string => { try { compileFilter(f); return ''; } catch (e) { return (e as Error).message; } };
    expect(reason('mqtt.illegal_topic_length')).toContain('note == "empty-topic" || note == "empty-topic-filter"');
    const ours = ourFrames('note == "empty-topic" || note == "empty-topic-filter"');
    expect(ours.length).toBe(2);
    expect(ours).toEqual(await tsharkFrames('mqtt.illegal_topic_length'));
  });
});
