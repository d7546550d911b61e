// The 3.1.1 SUBSCRIBE Requested QoS byte: tshark 4.0 shows it as one item,
// mqtt.sub.qos "Requested QoS", and has mqtt.subscription_options on MQTT 5
// SUBSCRIBEs only. Our tree uses the same ids, so the same filters select the
// same packets (checked with tshark -Y; tshark missing is a failure).
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import { engineRecords, tsharkSelect, type HexConversation } from './filter-vs-tshark.js';

const PORT = 18_836;
const SERVER = { host: '10.0.0.2', port: PORT };
const CONNS: HexConversation[] = [
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

/** Packet identifiers of the SUBSCRIBEs our filter selects. */
const ours = (expr: string): number[] =>
  engineRecords(SERVER, CONNS).filter((r) => r.summary.type === 8).filter(compileFilter(expr)).map((r) => r.summary.packetId!);

/** Packet identifiers of the SUBSCRIBEs tshark selects with the same filter. */
const theirs = (expr: string): number[] => tsharkSelect(SERVER, CONNS, `mqtt.msgtype == 8 && (${expr})`, 'mqtt.msgid');

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
