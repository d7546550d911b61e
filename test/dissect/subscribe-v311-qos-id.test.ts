// The 3.1.1 SUBSCRIBE Requested QoS byte: tshark 4.0 shows it as one item,
// mqtt.sub.qos "Requested QoS", and has mqtt.subscription_options on MQTT 5
// SUBSCRIBEs only. Our tree uses the same ids, so the same filters select the
// same packets (checked with tshark -Y; tshark missing is a failure).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pcapGlobalHeader, PcapConversationEncoder } from '../../src/capture/pcap-writer.js';
import { Engine } from '../../src/engine/engine.js';
import { compileFilter } from '../../src/filter/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta, Direction } from '../../src/model/types.js';
import { requireBinary } from '../helpers/peers.js';
import { hex } from './helpers.js';

const PORT = 18_836;
const SERVER = { host: '10.0.0.2', port: PORT };
type Conn = { client: { host: string; port: number }; packets: Array<[Direction, string]> };
const CONNS: Conn[] = [
  { client: { host: '10.0.0.1', port: 40_200 }, packets: [
    ['c2s', `10 0d        # CONNECT, RL 13
             00 04 4d 51 54 54  # protocol name "MQTT"
             04           # protocol level 4 (3.1.1)
             02           # connect flags: clean session
             00 3c        # keep alive 60
             00 01 63     # client id "c"`],
    ['c2s', `82 06        # SUBSCRIBE, RL 6
             00 01        # packet id 1
             00 01 61     # topic filter "a"
             01           # Requested QoS 1`],
    ['c2s', `82 06        # SUBSCRIBE, RL 6
             00 02        # packet id 2
             00 01 62     # topic filter "b"
             02           # Requested QoS 2`],
  ] },
  { client: { host: '10.0.0.1', port: 40_201 }, packets: [
    ['c2s', `10 0e        # CONNECT, RL 14
             00 04 4d 51 54 54  # protocol name "MQTT"
             05           # protocol level 5
             02           # connect flags: clean start
             00 3c        # keep alive 60
             00           # property length 0
             00 01 63     # client id "c"`],
    ['c2s', `82 07        # SUBSCRIBE, RL 7
             00 03        # packet id 3
             00           # property length 0
             00 01 61     # topic filter "a"
             01           # subscription options: QoS 1`],
  ] },
];

const metaOf = (c: Conn): ConnMeta => ({ id: `${c.client.host}:${c.client.port}-${SERVER.host}:${SERVER.port}`, client: c.client, server: SERVER, transport: 'tcp' });

/** Packet identifiers of the SUBSCRIBEs our filter selects. */
function ours(expr: string): number[] {
  const recs: PacketRecord[] = [];
  const e = new Engine({ onRecord: (r) => { if (r.kind === 'packet') recs.push(r); } });
  for (const c of CONNS) {
    e.open(metaOf(c), 1);
    c.packets.forEach(([d, h], i) => e.data(metaOf(c).id, d, hex(h), 2 + i));
  }
  return recs.filter((r) => r.summary.type === 8).filter(compileFilter(expr)).map((r) => r.summary.packetId!);
}

function theirs(expr: string): number[] {
  const tshark = requireBinary('tshark');
  const out: Buffer[] = [pcapGlobalHeader()];
  let t = 1_000_000;
  for (const c of CONNS) {
    const enc = new PcapConversationEncoder(c.client, SERVER);
    out.push(enc.open(t));
    for (const [d, h] of c.packets) out.push(enc.data(d, Buffer.from(hex(h)), (t += 1000)));
    out.push(enc.close((t += 1000)));
  }
  const file = join(mkdtempSync(join(tmpdir(), 'sub-qos-')), 'sub.pcap');
  writeFileSync(file, Buffer.concat(out));
  const text = execFileSync(tshark, ['-r', file, '-d', `tcp.port==${PORT},mqtt`, '-Y', `mqtt.msgtype == 8 && (${expr})`, '-T', 'fields', '-e', 'mqtt.msgid'], { encoding: 'utf8' });
  return text.split('\n').filter(Boolean).map(Number);
}

describe('3.1.1 SUBSCRIBE: the Requested QoS byte has the ids tshark gives it', () => {
  it.each([
    'mqtt.subscription_options',
    'mqtt.subscription_options == 1',
    'mqtt.sub.qos == 2',
    'mqtt.subscription_options_qos == 1',
  ])('%s selects what tshark selects', (expr) => {
    expect(ours(expr)).toEqual(theirs(expr));
  });
  it('mqtt.subscription_options is on the MQTT 5 SUBSCRIBE only; mqtt.sub.qos on both (here also MQTT 5, see docs/filters.md)', () => {
    expect(ours('mqtt.subscription_options')).toEqual([3]);
    expect(ours('mqtt.sub.qos == 1')).toEqual([1, 3]);
  });
});
