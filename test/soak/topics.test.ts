// The topics table over a long run: a million distinct topic names, quiet topics
// whose last publish came in a large read, and retained messages with large
// payloads. The table is capped in entries, and an entry in bytes.
import { describe, expect, it } from 'vitest';
import { budget } from './churn.js';
import { concat, connack, connect, MiB, publish, retainedBuffers, retainedHeap, Rig, suback, subscribe } from './wire.js';

/** A PUBLISH on `u/NNNNNNN` (7 digits) with a 1-byte payload, written into a template. */
const TEMPLATE = publish('u/0000000', 'x');
function uniquePublish(out: Uint8Array, at: number, n: number): void {
  out.set(TEMPLATE, at);
  for (let k = 0, v = n; k < 7; k++, v = Math.floor(v / 10)) out[at + 4 + 2 + 6 - k] = 0x30 + (v % 10);
}

describe('the topics table over a long run', () => {
  it('1,000,000 distinct topics (published and delivered): capped entries, untracked ones counted, state stops growing', () => {
    const rig = new Rig();
    const pub = rig.open();
    rig.c(pub, connect('firehose'));
    rig.s(pub, connack());
    const sub = rig.open();
    rig.c(sub, connect('sink'));
    rig.s(sub, connack());
    rig.c(sub, subscribe(1, 'u/#'));
    rig.s(sub, suback(1));
    const per = 1000;
    const chunk = new Uint8Array(per * TEMPLATE.length);
    const t0 = performance.now();
    let heapHalf = 0;
    for (let base = 0; base < 1_000_000; base += per) {
      for (let i = 0; i < per; i++) uniquePublish(chunk, i * TEMPLATE.length, base + i);
      rig.c(pub, chunk);
      rig.s(sub, chunk.slice()); // delivered as published
      rig.time += 1000;
      if (base % 50_000 === 0) budget(t0, 15_000, `${base} topics`);
      if (base === 499_000) heapHalf = retainedHeap();
    }
    const grown = (retainedHeap() - heapHalf) / MiB;
    const snap = rig.analyzer.snapshot();
    expect(snap.topics.length).toBe(10_000);
    expect(snap.topics[0]!.topic).toBe('u/0000000');
    // Every publish and delivery past the first 10,000 topics is counted as untracked.
    expect(snap.untrackedTopicPublishes).toBe(2 * (1_000_000 - 10_000));
    expect(snap.pendingDeliveries).toBe(0);
    expect(rig.findings).toBe(0);
    expect(grown).toBeLessThan(8);
  }, 30_000);

  it('quiet topics do not keep the 64 KiB reads their last publish came in', () => {
    const rig = new Rig();
    const pub = rig.open();
    rig.c(pub, connect('bridge'));
    rig.s(pub, connack());
    const filler = publish('hot', new Uint8Array(600));
    const base = retainedBuffers();
    for (let i = 0; i < 2000; i++) {
      // One read: a publish on a topic never seen again, then 100 on a hot one.
      rig.c(pub, concat([publish(`rare/${i}`, 'alarm'), ...Array.from({ length: 100 }, () => filler)]));
      rig.time += 100;
    }
    rig.time += 2_000_000;
    rig.engine.tick(rig.time);
    // Each rare topic used to hold its read (60 KiB here): 120 MiB.
    expect((retainedBuffers() - base) / MiB).toBeLessThan(16);
    const t = rig.analyzer.snapshot().topics.find((x) => x.topic === 'rare/1999')!;
    expect([t.lastPreview, t.lastLength, t.published]).toEqual(['alarm', 5, 1]);
  });

  it('retained messages keep the start of their payload, with its length', () => {
    const rig = new Rig();
    const pub = rig.open();
    rig.c(pub, connect('camera'));
    rig.s(pub, connack());
    const image = new Uint8Array(60 * 1024).fill(0x43);
    const base = retainedBuffers();
    for (let i = 0; i < 2000; i++) {
      rig.c(pub, publish(`cam/${i}/snapshot`, image, { retain: true }));
      rig.time += 1000;
    }
    rig.time += 2_000_000;
    rig.engine.tick(rig.time);
    // 2,000 retained 60 KiB images used to be kept whole: 120 MiB.
    expect((retainedBuffers() - base) / MiB).toBeLessThan(16);
    const t = rig.analyzer.snapshot().topics.find((x) => x.topic === 'cam/7/snapshot')!;
    expect(t.retained?.length).toBe(60 * 1024);
    expect(t.retained?.payload.length).toBe(256);
    expect(t.retained?.preview).toBe(`${'C'.repeat(64)}…`);
  });

  it('a topic retained over and over with nobody subscribed keeps one value and one to undo, not every value it had', () => {
    const rig = new Rig();
    const pub = rig.open();
    rig.c(pub, connect('status'));
    rig.s(pub, connack());
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 20_000; i++) parts.push(publish('dev/1/state', `state-${i}`, { retain: true }));
    rig.c(pub, concat(parts));
    // Walk the undo links of the topic's retained value: at most one (the value it replaced).
    const topics = Reflect.get(rig.analyzer, 'topics');
    let r = topics.retainedOf('dev/1/state');
    expect(r.preview).toContain('state-19999');
    let depth = 0;
    while (r !== null && r !== undefined) { depth++; r = r.replaced; }
    expect(depth).toBeLessThanOrEqual(2);
  });
});

