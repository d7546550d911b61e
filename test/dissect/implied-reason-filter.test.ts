// An MQTT 5 PUBACK, PUBREC, PUBREL, PUBCOMP or DISCONNECT that leaves its Reason
// Code out still shows the implied 0x00 in the tree, but under its own id
// (mqtt.implied.reason_code): tshark 4.0 has no reason-code field there, so
// `mqtt.puback.reason_code == 0` must not match it. Checked against tshark -Y
// on the same bytes (tshark missing is a failure, requireBinary).
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import type { Direction } from '../../src/model/types.js';
import { engineRecords, tsharkSelect } from './filter-vs-tshark.js';
import { find } from './helpers.js';

const PORT = 18_835;
const CLIENT = { host: '10.0.0.1', port: 40_100 };
const SERVER = { host: '10.0.0.2', port: PORT };
const PACKETS: Array<[Direction, string]> = [
  ['c2s', `10 0e        # CONNECT, RL 14
           00 04 4d 51 54 54  # protocol name "MQTT"
           05           # protocol level 5
           02           # connect flags: clean start
           00 3c        # keep alive 60
           00           # property length 0
           00 01 63     # client id "c"`],
  ['s2c', `20 03        # CONNACK, RL 3
           00           # acknowledge flags
           00           # reason code Success
           00           # property length 0`],
  ['c2s', `40 02        # PUBACK, RL 2: Reason Code left out
           00 01        # packet id 1`],
  ['c2s', `50 02        # PUBREC, RL 2: Reason Code left out
           00 02        # packet id 2`],
  ['s2c', `62 02        # PUBREL, RL 2: Reason Code left out
           00 02        # packet id 2`],
  ['c2s', `70 02        # PUBCOMP, RL 2: Reason Code left out
           00 02        # packet id 2`],
  ['c2s', `40 03        # PUBACK, RL 3
           00 03        # packet id 3
           00           # Reason Code 0x00 on the wire`],
  ['c2s', `e0 00        # DISCONNECT, RL 0: Reason Code left out`],
];

const CONVS = [{ client: CLIENT, packets: PACKETS }];
const records = (): PacketRecord[] => engineRecords(SERVER, CONVS);

/** Packet types (mqtt.msgtype) our filter selects. */
const ours = (expr: string): number[] => records().filter(compileFilter(expr)).map((r) => r.summary.type);

/** Packet types tshark selects with the same filter. */
const theirs = (expr: string): number[] => tsharkSelect(SERVER, CONVS, `mqtt && (${expr})`, 'mqtt.msgtype');

describe('the implied Reason Code is shown but not matched by the packet reason-code ids', () => {
  it.each([
    'mqtt.puback.reason_code == 0',
    'mqtt.puback.reason_code',
    'mqtt.pubrec.reason_code == 0',
    'mqtt.pubrel.reason_code == 0',
    'mqtt.pubcomp.reason_code == 0',
    'mqtt.disconnect.reason_code == 0',
  ])('%s selects what tshark selects', (expr) => {
    expect(ours(expr)).toEqual(theirs(expr));
  });
  it('only the PUBACK with the code on the wire has mqtt.puback.reason_code', () => {
    expect(ours('mqtt.puback.reason_code == 0')).toEqual([4]);
    expect(records().filter(compileFilter('mqtt.puback.reason_code == 0')).map((r) => r.summary.packetId)).toEqual([3]);
  });
  it('the tree keeps the implied 0x00 under mqtt.implied.reason_code, and rc still matches it', () => {
    const recs = records();
    const puback = recs.find((r) => r.summary.type === 4 && r.summary.packetId === 1)!;
    expect(find(puback.tree().fields, 'mqtt.puback.reason_code')).toBeUndefined();
    expect(find(puback.tree().fields, 'mqtt.implied.reason_code')).toMatchObject({
      label: 'Reason Code (implied)', offset: 4, length: 0, value: 0,
      display: '0x00 (Success), implied: with a Remaining Length of 2 the Reason Code is left out [MQTT-3.4.2.1]',
    });
    expect(ours('mqtt.implied.reason_code == 0')).toEqual([4, 5, 6, 7, 14]);
    expect(ours('rc == 0 && type in {puback pubrec pubrel pubcomp disconnect}')).toEqual([4, 5, 6, 7, 4, 14]);
  });
});
