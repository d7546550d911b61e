// Publishes awaiting their deliveries hold their payloads in place, in the read
// buffer the engine framed them in. A bridge that sends one message nobody
// receives (a denied write) in each 64 KiB read, among messages for topics
// without subscribers, must not keep a window's worth of reads alive.
import { describe, expect, it } from 'vitest';
import { concat, connack, connect, MiB, publish, retainedBuffers, Rig, suback, subscribe } from './wire.js';

describe('read buffers held by publishes awaiting delivery', () => {
  it('count against the held-bytes budget: past it the oldest publishes keep a digest and let their reads go', () => {
    const rig = new Rig({ maxPendingPayloadBytes: 8 * MiB });
    const sub = rig.open();
    rig.c(sub, connect('watcher'));
    rig.s(sub, connack());
    rig.c(sub, subscribe(1, 'denied/#'));
    rig.s(sub, suback(1));
    const bridge = rig.open();
    rig.c(bridge, connect('bridge'));
    rig.s(bridge, connack());
    const filler = publish('nobody/listens', new Uint8Array(600));
    const base = retainedBuffers();
    for (let i = 0; i < 1500; i++) {
      rig.c(bridge, concat([publish(`denied/${i}`, 'x'), ...Array.from({ length: 100 }, () => filler)]));
      rig.time += 1000;
    }
    rig.advance(1_100_000); // the topics table lets go of its records; the windows are still open
    let snap = rig.analyzer.snapshot();
    expect(snap.pendingDeliveries).toBe(1500);
    // 1,500 reads of 60 KiB were kept for 1,500 bytes of payload (the budget saw 1,500 bytes).
    expect(snap.heldDeliveryBufferBytes).toBeLessThanOrEqual(8 * MiB * 1.25);
    expect(snap.digestedDeliveryPublishes).toBeGreaterThan(1000);
    expect((retainedBuffers() - base) / MiB).toBeLessThan(24);
    // Digested or not, each is decided the same way once its window is over.
    rig.advance(10_000_000);
    snap = rig.analyzer.snapshot();
    expect(rig.byCode.get('undelivered-publish')).toBe(1500);
    expect([snap.pendingDeliveries, snap.heldDeliveryBytes, snap.heldDeliveryBufferBytes]).toEqual([0, 0, 0]);
  });

  it('a read holding many awaited publishes is counted once, until the last of them is decided', () => {
    const rig = new Rig();
    const sub = rig.open();
    rig.c(sub, connect('watcher'));
    rig.s(sub, connack());
    rig.c(sub, subscribe(1, 't/#'));
    rig.s(sub, suback(1));
    const pub = rig.open();
    rig.c(pub, connect('pub'));
    rig.s(pub, connack());
    const read = concat(Array.from({ length: 50 }, (_, i) => publish(`t/${i}`, `m${i}`)));
    rig.c(pub, read);
    expect(rig.analyzer.snapshot().heldDeliveryBufferBytes).toBe(read.buffer.byteLength);
    // Delivered one by one: the buffer is held until the last one.
    for (let i = 0; i < 49; i++) rig.s(sub, publish(`t/${i}`, `m${i}`));
    expect(rig.analyzer.snapshot().heldDeliveryBufferBytes).toBe(read.buffer.byteLength);
    rig.s(sub, publish('t/49', 'm49'));
    expect(rig.analyzer.snapshot()).toMatchObject({ heldDeliveryBufferBytes: 0, pendingDeliveries: 0, digestedDeliveryPublishes: 0 });
  });
});
