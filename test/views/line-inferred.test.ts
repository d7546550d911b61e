// The line view says which version was inferred on a connection whose CONNECT was
// not captured, and says so again whenever the engine's inference changes its mind.
// Real bytes through the Engine (see test/engine/version-inference.test.ts).
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { ConnMeta } from '../../src/model/types.js';
import { hex, midstreamMeta, PING, PUB4_TEXT, PUB5_EMPTY_PROPS, PUBACK5 } from '../engine/midstream-vectors.js';
import { createView } from '../../src/views/index.js';

const meta = midstreamMeta;

type Step = ['c2s' | 's2c', string];

/** Lines of the line view for the steps on one connection opened mid-stream (per step, all lines it printed). */
function lines(conns: Step[][]): string[] {
  let out = '';
  const view = createView('line', { out: { write: (s: string) => { out += s; } }, utc: true });
  const e = new Engine({ onRecord: (r) => view.record(r) });
  let t = 1_000_000;
  for (const steps of conns) {
    const m = meta();
    e.open(m, t, { midstream: true });
    for (const [dir, h] of steps) e.data(m.id, dir, hex(h), (t += 1000), t);
    e.close(m.id, (t += 1000), 'fin');
  }
  e.end(t);
  view.end();
  return out.trimEnd().split('\n');
}

const note = (l: string): string | null => /\s{2}(\((?:MQTT|now read).*\))$/.exec(l)?.[1] ?? null;

describe('line view: the inferred version', () => {
  it('is said on the first packet, and again on each packet where the inference changed its mind', () => {
    const ls = lines([[
      ['c2s', PING],
      ['c2s', PUB5_EMPTY_PROPS], ['c2s', PUB5_EMPTY_PROPS], ['c2s', PUB5_EMPTY_PROPS],
      ['c2s', PUB5_EMPTY_PROPS], // the fourth such PUBLISH: MQTT 5
      ['c2s', PUB5_EMPTY_PROPS],
      ['c2s', PUB4_TEXT], // strong evidence for 3.1.1
      ['c2s', PING],
      ['s2c', PUBACK5], // strong evidence for 5: one each, so the weak PUBLISHes decide, 5 again
      ['c2s', PING],
    ]]);
    expect(ls).toHaveLength(10);
    expect(ls.map(note)).toEqual([
      '(MQTT 3.1.1 inferred: no CONNECT captured)',
      null, null, null,
      '(now read as MQTT 5: inferred from the packets so far, no CONNECT captured; the earlier ones stay decoded as MQTT 3.1.1)',
      null,
      '(now read as MQTT 3.1.1: inferred from the packets so far, no CONNECT captured; the earlier ones stay decoded as MQTT 5)',
      null,
      '(now read as MQTT 5: inferred from the packets so far, no CONNECT captured; the earlier ones stay decoded as MQTT 3.1.1)',
      null,
    ]);
    expect(ls[4]).toMatch(/→ PUBLISH .*payload=5 "hello"/);
    expect(ls[8]).toMatch(/← PUBACK {6}id=7 .*rc=0x10 No matching subscribers/);
  });

  it('a connection that never changes says it once; a new connection on the same ports says it again', () => {
    const ls = lines([[['c2s', PUB4_TEXT], ['c2s', PING], ['c2s', PUB4_TEXT]], [['s2c', PUBACK5], ['c2s', PING]]]);
    expect(ls.map(note)).toEqual([
      '(MQTT 3.1.1 inferred: no CONNECT captured)', null, null,
      '(MQTT 5 inferred: no CONNECT captured)', null,
    ]);
  });
});

describe('line view: what it remembers per connection', () => {
  it('does not keep a connection alive: its memory of the inferred version goes with the connection', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const view = createView('line', { out: { write: () => {} }, utc: true });
    const refs: WeakRef<ConnMeta>[] = [];
    (() => {
      const e = new Engine({ onRecord: (r) => view.record(r) });
      for (let i = 0; i < 100; i++) {
        const m = { ...meta(), id: `10.0.0.2:${40000 + i}-10.0.0.1:1883` };
        refs.push(new WeakRef(m));
        e.open(m, 1, { midstream: true });
        e.data(m.id, 'c2s', hex(PUB4_TEXT), 2, 1);
        e.close(m.id, 3, 'fin');
      }
    })();
    // WeakRefs are cleared only after the job that made them.
    await new Promise((r) => setTimeout(r, 0));
    gc();
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    // The view itself is still in use.
    view.end();
  });
});
