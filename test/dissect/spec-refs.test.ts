// Spec references follow the protocol level: the MQTT 3.1.1 statement on a
// 3.1/3.1.1 connection, the MQTT 5.0 one on a 5.0 connection. One comment per field.
import { describe, expect, it } from 'vitest';
import { dissect } from '../../src/dissect/index.js';
import type { ProtocolVersion } from '../../src/model/types.js';
import { renderTree } from '../../src/views/tree.js';
import { decodeBoth, hex } from './helpers.js';

function refs(h: string, version: ProtocolVersion): string[] {
  return decodeBoth(h, version).codes;
}

describe('fixed header', () => {
  it('reserved flags: 3.1.1 MQTT-2.2.2-1, 5.0 MQTT-2.1.3-1', () => {
    const PUBACK_FLAGS = '41 02 00 01  # PUBACK with flags 0001, packet id 1';
    expect(refs(PUBACK_FLAGS, 4)).toEqual(['reserved-flags MQTT-2.2.2-1']);
    expect(refs(PUBACK_FLAGS, 3)).toEqual(['reserved-flags MQTT-2.2.2-1']);
    expect(refs(PUBACK_FLAGS, 5)).toEqual(['reserved-flags MQTT-2.1.3-1']);
  });
  it('packet types that restate the rule keep their own number in both versions', () => {
    for (const v of [4, 5] as const) {
      expect(refs('60 02 00 01  # PUBREL flags 0000', v)).toContain('reserved-flags MQTT-3.6.1-1');
      expect(refs('e1 00  # DISCONNECT flags 0001', v)).toContain('reserved-flags MQTT-3.14.1-1');
    }
    expect(refs('f2 00  # AUTH flags 0010', 5)).toEqual(['reserved-flags MQTT-3.15.1-1']);
  });
  it('reserved packet type 0: 3.1.1 §2.2.1, 5.0 §2.1.2', () => {
    expect(refs('00 00', 4)).toEqual(['reserved-packet-type MQTT-2.2.1']);
    expect(refs('00 00', 5)).toEqual(['reserved-packet-type MQTT-2.1.2']);
  });
});

describe('packet identifier and PUBLISH', () => {
  it('packet id 0: 3.1.1 MQTT-2.3.1-1, 5.0 MQTT-2.2.1-3', () => {
    const SUB_ID0_V5 = `
      82 07        # SUBSCRIBE, RL 7
      00 00        # packet id 0
      00           # no properties
      00 01 61     # filter "a"
      00           # options
    `;
    expect(refs(SUB_ID0_V5, 5)).toEqual(['packet-id-zero MQTT-2.2.1-3']);
    expect(refs('32 05 00 01 61 00 00  # PUBLISH QoS 1, topic "a", packet id 0', 4)).toEqual(['packet-id-zero MQTT-2.3.1-1']);
  });
  it('empty topic without alias: 3.1.1 MQTT-4.7.3-1, 5.0 §3.3.2.1', () => {
    expect(refs('30 02 00 00  # PUBLISH, topic ""', 4)).toEqual(['empty-topic MQTT-4.7.3-1']);
    expect(refs('30 03 00 00 00  # PUBLISH, topic "", no properties', 5)).toEqual(['empty-topic MQTT-3.3.2.1']);
  });
  it('the tree view cites the QoS 0 packet id rule of the right version', () => {
    const v4 = hex('30 03 00 01 61  # PUBLISH QoS 0, topic "a"');
    expect(renderTree(v4, dissect(v4, { version: 4 }))).toContain('[MQTT-2.3.1-5]');
    const v5 = hex('30 04 00 01 61 00  # PUBLISH QoS 0, topic "a", no properties');
    expect(renderTree(v5, dissect(v5, { version: 5 }))).toContain('[MQTT-2.2.1-2]');
    expect(renderTree(v5, dissect(v5, { version: 5 }), { version: 4 })).toContain('[MQTT-2.3.1-5]');
  });
});

describe('CONNACK', () => {
  it('reserved flag bits: 3.1.1 §3.2.2.1, 5.0 MQTT-3.2.2-1', () => {
    expect(refs('20 02 02 00  # flags 0x02, accepted', 4)).toEqual(['connack-reserved-flags MQTT-3.2.2.1']);
    expect(refs('20 03 02 00 00  # flags 0x02, Success, no properties', 5)).toEqual(['connack-reserved-flags MQTT-3.2.2-1']);
  });
  it('return code 6 and up in 3.1.1: MQTT-3.2.2-6; a non-CONNACK reason code in 5.0: MQTT-3.2.2-8', () => {
    expect(refs('20 02 00 06', 4)).toEqual(['invalid-reason-code MQTT-3.2.2-6']);
    expect(refs('20 03 00 04 00  # 0x04 is a DISCONNECT code', 5)).toEqual(['invalid-reason-code MQTT-3.2.2-8']);
  });
});

describe('reason codes per packet type (MQTT 5)', () => {
  it.each([
    ['PUBACK', '40 03 00 01 92', 'MQTT-3.4.2-1'],
    ['PUBREC', '50 03 00 01 92', 'MQTT-3.5.2-1'],
    ['PUBREL', '62 03 00 01 10', 'MQTT-3.6.2-1'],
    ['PUBCOMP', '70 03 00 01 10', 'MQTT-3.7.2-1'],
    ['SUBACK', '90 04 00 01 00 11', 'MQTT-3.9.3-2'],
    ['UNSUBACK', 'b0 04 00 01 00 01', 'MQTT-3.11.3-2'],
    ['DISCONNECT', 'e0 01 18', 'MQTT-3.14.2-1'],
    ['AUTH', 'f0 08 04 06 15 00 03 53 43 52', 'MQTT-3.15.2-1'], // with its Authentication Method "SCR"
  ])('%s', (_n, h, spec) => {
    expect(refs(h, 5)).toEqual([`invalid-reason-code ${spec}`]);
  });
});

describe('SUBSCRIBE', () => {
  it('no filters: 3.1.1 MQTT-3.8.3-3, 5.0 MQTT-3.8.3-2; UNSUBSCRIBE MQTT-3.10.3-2 in both', () => {
    expect(refs('82 02 00 01  # packet id 1, nothing else', 4)).toEqual(['no-topic-filters MQTT-3.8.3-3']);
    expect(refs('82 03 00 01 00  # packet id 1, no properties', 5)).toEqual(['no-topic-filters MQTT-3.8.3-2']);
    expect(refs('a2 02 00 01', 4)).toEqual(['no-topic-filters MQTT-3.10.3-2']);
    expect(refs('a2 03 00 01 00', 5)).toEqual(['no-topic-filters MQTT-3.10.3-2']);
  });
  it('SUBACK without codes: 3.1.1 MQTT-3.8.4-5, 5.0 MQTT-3.8.4-6', () => {
    expect(refs('90 02 00 01', 4)).toEqual(['no-topic-filters MQTT-3.8.4-5']);
    expect(refs('90 03 00 01 00', 5)).toEqual(['no-topic-filters MQTT-3.8.4-6']);
  });
  it('options in 3.1.1: QoS 3 and reserved bits are MQTT-3.8.3-4', () => {
    expect(refs(`
      82 06        # SUBSCRIBE, RL 6
      00 01        # packet id 1
      00 01 61     # "a"
      03           # QoS 3
    `, 4)).toEqual(['subscribe-options MQTT-3.8.3-4']);
    expect(refs('82 06 00 01 00 01 61 04  # reserved bit 2', 4)).toEqual(['subscribe-options MQTT-3.8.3-4']);
  });
  it('options in 5.0: QoS 3 and Retain Handling 3 are §3.8.3.1 Protocol Errors, reserved bits MQTT-3.8.3-5', () => {
    const opt = (o: string) => `
      82 07        # SUBSCRIBE, RL 7
      00 01        # packet id 1
      00           # no properties
      00 01 61     # "a"
      ${o}         # subscription options
    `;
    expect(refs(opt('03  # QoS 3'), 5)).toEqual(['subscribe-options MQTT-3.8.3.1']);
    expect(refs(opt('30  # Retain Handling 3'), 5)).toEqual(['subscribe-options MQTT-3.8.3.1']);
    expect(refs(opt('40  # reserved bit 6'), 5)).toEqual(['subscribe-options MQTT-3.8.3-5']);
    expect(refs(opt('f3  # all three'), 5)).toEqual(['subscribe-options MQTT-3.8.3.1', 'subscribe-options MQTT-3.8.3.1', 'subscribe-options MQTT-3.8.3-5']);
  });
});

describe('version-specific notes of a walker that switched version', () => {
  it('CONNECT decides the version for the notes that follow its level byte', () => {
    // The context says 4, the packet says 5: the UTF-8 note after the level uses 5.0 numbering.
    expect(refs(`
      10 0f        # CONNECT, RL 15
      00 04 4d 51 54 54  # "MQTT"
      05           # level 5
      02           # clean start
      00 3c        # keep alive 60
      00           # no properties
      00 02 c3 28  # client id: ill-formed UTF-8
    `, 4)).toEqual(['invalid-utf8 MQTT-1.5.4-1']);
  });
});
