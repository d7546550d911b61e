// Packet Identifier 0 on a QoS 1 PUBLISH: MQTT 5 cites the sender's rule, a
// client's [MQTT-2.2.1-3] or a server's [MQTT-2.2.1-4]; MQTT 3.1.1 has one rule
// for both senders [MQTT-2.3.1-1]. The engine knows the direction; a lone packet
// given to summarize()/dissect() without one keeps the client rule.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { summarize } from '../../src/dissect/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta, Direction } from '../../src/model/types.js';
import { hex } from './helpers.js';

const META: ConnMeta = { id: '10.0.0.1:40000-10.0.0.2:18830', client: { host: '10.0.0.1', port: 40000 }, server: { host: '10.0.0.2', port: 18830 }, transport: 'tcp' };

const CONNECT5 = `
  10 0e        # CONNECT, RL 14
  00 04 4d 51 54 54  # protocol name "MQTT"
  05           # protocol level 5
  02           # connect flags: clean start
  00 3c        # keep alive 60
  00           # property length 0
  00 01 63     # client id "c"
`;
const CONNECT4 = `
  10 0d        # CONNECT, RL 13
  00 04 4d 51 54 54  # protocol name "MQTT"
  04           # protocol level 4
  02           # connect flags: clean session
  00 3c        # keep alive 60
  00 01 63     # client id "c"
`;
const PUBLISH5 = `
  32 06        # PUBLISH QoS 1, RL 6
  00 01 74     # topic "t"
  00 00        # packet identifier 0
  00           # property length 0
`;
const PUBLISH4 = `
  32 05        # PUBLISH QoS 1, RL 5
  00 01 74     # topic "t"
  00 00        # packet identifier 0
`;

/** The packet-id-zero references of the PUBLISH sent in `dir`, from the summary and from the tree. */
function refs(connect: string | null, publish: string, dir: Direction): { summary: string[]; tree: string[] } {
  const recs: PacketRecord[] = [];
  const e = new Engine({ onRecord: (r) => { if (r.kind === 'packet') recs.push(r); }, defaultVersion: 5 });
  e.open(META, 1);
  if (connect) e.data(META.id, 'c2s', hex(connect), 2);
  e.data(META.id, dir, hex(publish), 3);
  const rec = recs.find((r) => r.summary.type === 3)!;
  const pick = (ns: { code: string; spec?: string }[]): string[] => ns.filter((n) => n.code === 'packet-id-zero').map((n) => n.spec ?? '');
  return { summary: pick(rec.notes), tree: pick(rec.tree().notes) };
}

describe('Packet Identifier 0 on a PUBLISH cites the rule of its sender', () => {
  it('MQTT 5: client to broker breaks MQTT-2.2.1-3, broker to client MQTT-2.2.1-4', () => {
    expect(refs(CONNECT5, PUBLISH5, 'c2s')).toEqual({ summary: ['MQTT-2.2.1-3'], tree: ['MQTT-2.2.1-3'] });
    expect(refs(CONNECT5, PUBLISH5, 's2c')).toEqual({ summary: ['MQTT-2.2.1-4'], tree: ['MQTT-2.2.1-4'] });
  });
  it('MQTT 3.1.1: one statement for both senders, MQTT-2.3.1-1', () => {
    expect(refs(CONNECT4, PUBLISH4, 'c2s')).toEqual({ summary: ['MQTT-2.3.1-1'], tree: ['MQTT-2.3.1-1'] });
    expect(refs(CONNECT4, PUBLISH4, 's2c')).toEqual({ summary: ['MQTT-2.3.1-1'], tree: ['MQTT-2.3.1-1'] });
  });
  it('MQTT 5 without a CONNECT (version assumed): the direction still decides', () => {
    expect(refs(null, PUBLISH5, 's2c')).toEqual({ summary: ['MQTT-2.2.1-4'], tree: ['MQTT-2.2.1-4'] });
    expect(refs(null, PUBLISH5, 'c2s')).toEqual({ summary: ['MQTT-2.2.1-3'], tree: ['MQTT-2.2.1-3'] });
  });
  it('a lone packet of unknown direction keeps the client rule', () => {
    const s = summarize(hex(PUBLISH5), { version: 5 });
    expect(s.notes.map((n) => `${n.code} ${n.spec}`)).toEqual(['packet-id-zero MQTT-2.2.1-3']);
  });
});
