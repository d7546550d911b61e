// MQTT 5 topic aliases: a client may set up to 65,535 per direction. What the
// engine keeps per record must not grow with the size of the alias map.
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../src/model/packet.js';
import { budget } from './churn.js';
import { concat, connack, connect, publish, Rig } from './wire.js';

describe('topic aliases', () => {
  it('after 60,000 aliases, a packet costs what it costs on a connection without them', () => {
    const rig = new Rig();
    const kept: PacketRecord[] = [];
    // Keep the last records, as the TUI's packet ring does.
    rig.tap = (r) => { if (r.kind === 'packet') { kept.push(r); if (kept.length > 1000) kept.shift(); } };
    const plain = rig.open();
    rig.c(plain, connect('plain', { version: 5 }));
    rig.s(plain, connack({ version: 5 }));
    const aliased = rig.open();
    rig.c(aliased, connect('aliaser', { version: 5 }));
    rig.s(aliased, connack({ version: 5 }));
    const t0 = performance.now();
    for (let from = 1; from <= 60_000; from += 1000) {
      const setup: Uint8Array[] = [];
      for (let a = from; a < from + 1000; a++) setup.push(publish(`a/${a % 100}`, 'x', { version: 5, alias: a }));
      rig.c(aliased, concat(setup));
      budget(t0, 10_000, `setting up aliases (${from + 999})`);
    }
    const usePlain = concat(Array.from({ length: 100 }, (_, i) => publish(`a/${i}`, 'x', { version: 5 })));
    const useAlias = concat(Array.from({ length: 100 }, (_, i) => publish('', 'x', { version: 5, alias: 1 + i * 500 })));
    const run = (id: string, chunk: Uint8Array): number => {
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) {
        rig.c(id, chunk);
        rig.time += 1000;
        if (i % 10 === 0) budget(t0, 10_000, `aliased publishes (${i * 100})`);
      }
      return performance.now() - t0;
    };
    run(plain, usePlain); // warm up
    const a = run(aliased, useAlias);
    const p = run(plain, usePlain);
    expect(kept.length).toBe(1000);
    // Each of the 20,000 aliased publishes copied the 60,000-entry alias map.
    expect(a).toBeLessThan(3 * p + 300);
  });

  it('an aliased PUBLISH carries its topic, and its tree decodes later', () => {
    const rig = new Rig();
    const recs: PacketRecord[] = [];
    rig.tap = (r) => { if (r.kind === 'packet') recs.push(r); };
    const id = rig.open();
    rig.c(id, connect('aliaser', { version: 5 }));
    rig.s(id, connack({ version: 5 }));
    rig.c(id, publish('room/1', 'on', { version: 5, alias: 7 }));
    rig.c(id, publish('', 'off', { version: 5, alias: 7 }));
    rig.c(id, publish('room/2', 'on', { version: 5, alias: 7 }));
    rig.c(id, publish('', 'off', { version: 5, alias: 7 }));
    const pubs = recs.filter((r) => r.summary.type === 3);
    expect(pubs.map((r) => r.topic)).toEqual(['room/1', 'room/1', 'room/2', 'room/2']);
    expect(pubs[1]!.tree().fields.length).toBeGreaterThan(0);
  });
});
