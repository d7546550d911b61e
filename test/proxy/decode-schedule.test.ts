// The decoder's time box (src/proxy/decode-tap.ts), with a fake engine whose
// decoding "takes" fake time per byte, a fake clock and a hand-run event loop:
// what the engine sees, in what order, and when senders are paused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { OutputRecord } from '../../src/model/packet.js';
import type { ConnMeta, Direction } from '../../src/model/types.js';
import { DecodeTap, type DecodeScheduleOptions } from '../../src/proxy/decode-tap.js';

const meta = (id: string): ConnMeta => ({ id, client: { host: '127.0.0.1', port: 1 }, server: { host: '127.0.0.1', port: 2 }, transport: 'tcp' });

/** What the fake engine was told, one string per call (data: the bytes as text). */
class Rig {
  now = 0;
  calls: string[] = [];
  /** Bytes seen per connection and direction, joined. */
  seen = new Map<string, string>();
  deferred: (() => void)[] = [];
  throttles: string[] = [];
  records: OutputRecord[] = [];
  /** Fake milliseconds one byte takes to decode. */
  costPerByte = 0.001;
  throwOn: string | null = null;
  tap: DecodeTap;

  constructor(opts: DecodeScheduleOptions = {}) {
    const engine = {
      open: (m: ConnMeta) => { this.calls.push(`open ${m.id}`); },
      data: (id: string, dir: Direction, chunk: Uint8Array) => {
        this.now += chunk.length * this.costPerByte;
        const text = Buffer.from(chunk).toString('latin1');
        if (this.throwOn !== null && text.includes(this.throwOn)) throw new Error('boom');
        this.calls.push(`data ${id} ${dir} ${text}`);
        this.seen.set(`${id} ${dir}`, (this.seen.get(`${id} ${dir}`) ?? '') + text);
      },
      close: (id: string) => { this.calls.push(`close ${id}`); },
      tick: (t: number) => { this.calls.push(`tick ${t}`); },
    } as unknown as Engine;
    this.tap = new DecodeTap(engine, (r) => this.records.push(r), undefined, {
      clock: () => this.now,
      defer: (f) => { this.deferred.push(f); },
      ...opts,
    });
    this.tap.throttle = (id, dir, paused) => { this.throttles.push(`${paused ? 'pause' : 'resume'} ${id} ${dir}`); };
  }

  /** One turn of the event loop: what was deferred runs (and may defer again). */
  turn(): void {
    const fs = this.deferred;
    this.deferred = [];
    for (const f of fs) f();
  }

  runAll(): void {
    for (let i = 0; i < 1_000_000 && this.deferred.length > 0; i++) this.turn();
  }
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('DecodeTap.record', () => {
  it('a record the proxy makes waits its turn behind queued bytes, without decoding them at once', () => {
    const r = new Rig({ sliceMs: 5 });
    r.tap.open(meta('a'), 0);
    r.tap.data('a', 'c2s', bytes('y'.repeat(6000)), 1); // 6 ms: part of it waits
    const fedBefore = r.seen.get('a c2s')!.length;
    expect(fedBefore).toBeLessThan(6000);
    r.tap.record(() => { r.calls.push('record'); return { kind: 'finding', code: 'protocol-violation', severity: 'warn', time: 2, conn: 'a', clientId: null, username: null, frames: [], topic: null, text: 'x', extra: {} }; });
    // Not made yet, and the queue was not emptied for it.
    expect(r.calls.at(-1)).not.toBe('record');
    expect(r.seen.get('a c2s')!.length).toBe(fedBefore);
    r.runAll();
    expect(r.seen.get('a c2s')).toBe('y'.repeat(6000));
    expect(r.calls.at(-1)).toBe('record');
    expect(r.records.map((x) => x.kind)).toEqual(['finding']);
  });

  it('with nothing queued it is made and emitted at once', () => {
    const r = new Rig({ sliceMs: 5 });
    r.tap.record(() => ({ kind: 'finding', code: 'protocol-violation', severity: 'warn', time: 2, conn: 'a', clientId: null, username: null, frames: [], topic: null, text: 'x', extra: {} }));
    expect(r.records).toHaveLength(1);
  });
});

describe('DecodeTap time box', () => {
  it('decodes at once while the window has budget left, then queues in arrival order across connections', () => {
    const r = new Rig({ sliceMs: 5 });
    r.tap.open(meta('a'), 0);
    r.tap.open(meta('b'), 0);
    r.tap.data('a', 'c2s', bytes('x'.repeat(1000)), 1); // 1 ms
    expect(r.calls.at(-1)).toMatch(/^data a c2s x{1000}$/);
    r.tap.data('a', 'c2s', bytes('y'.repeat(6000)), 2); // 6 ms: over the slice, so only part of it now
    const fedNow = r.seen.get('a c2s')!.length;
    expect(fedNow).toBeGreaterThan(1000);
    expect(fedNow).toBeLessThan(7000);
    // Everything after waits behind the rest of that chunk, even another connection's bytes.
    r.tap.data('b', 's2c', bytes('z'), 3);
    r.tap.tick(4);
    r.tap.close('a', 5, 'fin', 'c2s');
    expect(r.seen.get('b s2c')).toBeUndefined();
    expect(r.tap.queuedBytes).toBe(7000 - fedNow + 1);
    r.runAll();
    expect(r.seen.get('a c2s')).toBe('x'.repeat(1000) + 'y'.repeat(6000));
    expect(r.seen.get('b s2c')).toBe('z');
    // The tick and the close come after the bytes that arrived before them.
    const order = r.calls.filter((c) => !c.startsWith('data a'));
    expect(order).toEqual(['open a', 'open b', 'data b s2c z', 'tick 4', 'close a']);
    expect(r.tap.queuedBytes).toBe(0);
  });

  it('small chunks within one window are decoded at once and defer nothing; the first past the window waits for one deferred turn, which closes the window', () => {
    const r = new Rig({ sliceMs: 5 });
    r.tap.open(meta('a'), 0);
    // 400 reads of 10 bytes, 0.01 ms each: 4 ms in all, inside one window.
    for (let i = 0; i < 400; i++) r.tap.data('a', 'c2s', bytes('k'.repeat(10)), i);
    expect(r.seen.get('a c2s')!.length).toBe(4000);
    // No setImmediate per read (nor per turn of the loop): it cost more than decoding a small read.
    expect(r.deferred.length).toBe(0);
    r.now += 2; // the window is 6 ms old
    r.tap.data('a', 'c2s', bytes('late'), 500);
    expect(r.seen.get('a c2s')!.endsWith('late')).toBe(false);
    expect(r.tap.queuedBytes).toBe(4);
    expect(r.deferred.length).toBe(1);
    r.turn();
    expect(r.seen.get('a c2s')!.endsWith('late')).toBe(true);
    expect(r.deferred.length).toBe(0);
    // The window is closed: the next read opens a new one and is decoded at once.
    r.now += 100;
    r.tap.data('a', 'c2s', bytes('next'), 600);
    expect(r.seen.get('a c2s')!.endsWith('next')).toBe(true);
    expect(r.deferred.length).toBe(0);
  });

  it('a turn decodes for one slice, feeding a long chunk in pieces', () => {
    const r = new Rig({ sliceMs: 5 });
    r.tap.open(meta('a'), 0);
    r.now = 0;
    r.tap.data('a', 'c2s', bytes('q'.repeat(50_000)), 1); // 50 ms of decoding
    let turns = 0;
    while (r.deferred.length > 0) {
      const before = r.now;
      r.turn();
      turns++;
      // A piece aims at 1 ms, so a turn stops within about a piece of its 5 ms.
      expect(r.now - before).toBeLessThanOrEqual(5 + 1.5);
    }
    expect(turns).toBeGreaterThanOrEqual(9);
    expect(r.seen.get('a c2s')).toBe('q'.repeat(50_000));
  });

  it('pauses a sender whose queued bytes pass the cap and resumes it when the queue is a quarter of that', () => {
    const r = new Rig({ sliceMs: 1, maxQueuedPerConn: 10_000 });
    r.tap.open(meta('a'), 0);
    r.tap.open(meta('b'), 0);
    r.tap.data('a', 'c2s', bytes('a'.repeat(2000)), 1); // uses the budget
    for (let i = 0; i < 6; i++) r.tap.data('a', 'c2s', bytes('a'.repeat(2000)), 2);
    expect(r.throttles).toEqual(['pause a c2s']);
    r.tap.data('b', 'c2s', bytes('b'.repeat(100)), 3); // another connection is not paused
    expect(r.throttles).toEqual(['pause a c2s']);
    while (r.throttles.length < 2) r.turn();
    expect(r.throttles).toEqual(['pause a c2s', 'resume a c2s']);
    expect(r.tap.queuedBytes).toBeLessThanOrEqual(2500 + 100);
    r.runAll();
    expect(r.seen.get('a c2s')!.length).toBe(14_000);
  });

  it('over the total cap, any connection adding to the queue is paused', () => {
    const r = new Rig({ sliceMs: 1, maxQueuedPerConn: 1 << 20, maxQueuedTotal: 5000 });
    for (const id of ['a', 'b', 'c']) r.tap.open(meta(id), 0);
    r.tap.data('a', 'c2s', bytes('a'.repeat(3000)), 1);
    r.tap.data('b', 's2c', bytes('b'.repeat(3000)), 1);
    r.tap.data('c', 'c2s', bytes('c'.repeat(3000)), 1);
    r.tap.data('a', 'c2s', bytes('a'.repeat(10)), 1);
    // a's first chunk used the turn's budget, b's fits under the total, c's and a's next go over it.
    expect(r.throttles).toEqual(['pause c c2s', 'pause a c2s']);
    r.runAll();
    expect(r.throttles.filter((t) => t.startsWith('resume')).sort()).toEqual(['resume a c2s', 'resume c c2s']);
  });

  it('flush() decodes whatever is queued, at once', () => {
    const r = new Rig({ sliceMs: 1 });
    r.tap.open(meta('a'), 0);
    r.tap.data('a', 'c2s', bytes('0'.repeat(2000)), 1); // uses the turn's budget
    r.tap.data('a', 'c2s', bytes('1'.repeat(5000)), 1);
    r.tap.close('a', 2, 'fin');
    expect(r.calls.at(-1)).not.toBe('close a');
    r.tap.flush();
    expect(r.seen.get('a c2s')).toBe('0'.repeat(2000) + '1'.repeat(5000));
    expect(r.calls.at(-1)).toBe('close a');
    expect(r.tap.queuedBytes).toBe(0);
  });

  it('an engine failure in queued bytes gives one finding; the rest of that connection is skipped, others go on', () => {
    const r = new Rig({ sliceMs: 1 });
    r.tap.open(meta('a'), 0);
    r.tap.open(meta('b'), 0);
    r.tap.data('b', 'c2s', bytes('b'.repeat(2000)), 1);
    r.throwOn = '!';
    r.tap.data('a', 'c2s', bytes('!'), 2);
    r.tap.data('a', 'c2s', bytes('more'), 3);
    r.tap.data('b', 'c2s', bytes('B'), 4);
    r.tap.close('a', 5, 'fin');
    r.runAll();
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({ kind: 'finding', code: 'stream-gap', conn: 'a', extra: { note: 'decoder-failed' } });
    expect(r.seen.get('a c2s')).toBeUndefined();
    expect(r.seen.get('b c2s')).toBe('b'.repeat(2000) + 'B');
    expect(r.tap.failures).toBe(1);
  });

  it('a connection that reuses the id of one whose events still wait is decoded, paused and resumed on its own', () => {
    const r = new Rig({ sliceMs: 1, maxQueuedPerConn: 1000 });
    const first = meta('x');
    const second = meta('x'); // the same address and port, a new connection
    r.tap.open(first, 0);
    r.tap.data('x', 'c2s', bytes('a'.repeat(1500)), 1); // uses the budget; the rest waits
    r.tap.data('x', 'c2s', bytes('!' + 'a'.repeat(3000)), 2); // its decoder fails on this one
    expect(r.throttles).toEqual(['pause x c2s']);
    r.tap.close('x', 3, 'reset', 'c2s');
    // Closed: its hold ends now, not when the queue reaches the close.
    expect(r.throttles).toEqual(['pause x c2s', 'resume x c2s']);
    r.tap.open(second, 4);
    r.throwOn = '!';
    r.turn(); // the first connection fails, and the turn's slice is used up on that piece
    expect(r.records).toHaveLength(1);
    expect(r.tap.queuedBytes).toBeGreaterThan(0);
    // The new connection's bytes, past the cap: its own count pauses it.
    r.tap.data('x', 'c2s', bytes('b'.repeat(1200)), 5);
    expect(r.throttles).toEqual(['pause x c2s', 'resume x c2s', 'pause x c2s']);
    r.runAll();
    expect(r.throttles).toEqual(['pause x c2s', 'resume x c2s', 'pause x c2s', 'resume x c2s']);
    // Before, the first connection's failure was looked up by id, so the second one's bytes were dropped.
    expect(r.seen.get('x c2s')).toBe('a'.repeat(1500) + 'b'.repeat(1200));
    // The first connection's state was dropped when its decoder failed, so its close is not passed on again.
    expect(r.calls.filter((c) => !c.startsWith('data'))).toEqual(['open x', 'close x', 'open x']);
    expect(r.records).toHaveLength(1);
    expect(r.tap.queuedBytes).toBe(0);
    r.tap.close('x', 6, 'fin');
    expect(r.calls.at(-1)).toBe('close x');
  });

  it('property: whatever the costs and turns, the engine sees every byte and every event once, in arrival order', () => {
    const ev = fc.oneof(
      fc.record({ kind: fc.constant('data' as const), conn: fc.integer({ min: 0, max: 2 }), s2c: fc.boolean(), len: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant('tick' as const) }),
      fc.record({ kind: fc.constant('turn' as const) }),
    );
    fc.assert(fc.property(
      fc.array(ev, { maxLength: 60 }),
      fc.double({ min: 0, max: 0.01, noNaN: true }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 500, max: 20_000 }),
      (events, cost, slice, cap) => {
        const r = new Rig({ sliceMs: slice, maxQueuedPerConn: cap, maxQueuedTotal: cap * 2 });
        r.costPerByte = cost;
        const expected: string[] = [];
        const sent = new Map<string, string>();
        const paused = new Set<string>();
        r.tap.throttle = (id, dir, p) => { if (p) paused.add(`${id} ${dir}`); else paused.delete(`${id} ${dir}`); };
        for (const id of ['c0', 'c1', 'c2']) { r.tap.open(meta(id), 0); expected.push(`open ${id}`); }
        let n = 0;
        let t = 0;
        for (const e of events) {
          if (e.kind === 'turn') { r.turn(); continue; }
          if (e.kind === 'tick') { r.tap.tick(++t); expected.push(`tick ${t}`); continue; }
          const id = `c${e.conn}`;
          const dir: Direction = e.s2c ? 's2c' : 'c2s';
          // Distinct bytes per chunk, so a reordering or a repeat shows.
          const text = String.fromCharCode(65 + (n++ % 50)).repeat(e.len);
          sent.set(`${id} ${dir}`, (sent.get(`${id} ${dir}`) ?? '') + text);
          expected.push(`bytes ${id} ${dir}`);
          r.tap.data(id, dir, bytes(text), ++t);
        }
        for (const id of ['c0', 'c1', 'c2']) { r.tap.close(id, ++t, 'fin'); expected.push(`close ${id}`); }
        r.runAll();
        expect(r.tap.queuedBytes).toBe(0);
        expect(paused.size).toBe(0);
        for (const [k, v] of sent) expect(r.seen.get(k)).toBe(v);
        // Event order: a chunk's pieces count once (consecutive pieces of one chunk merge).
        const got: string[] = [];
        for (const c of r.calls) {
          const m = /^data (\S+) (\S+) /.exec(c);
          const item = m ? `bytes ${m[1]} ${m[2]}` : c;
          if (m && got.at(-1) === item) continue;
          got.push(item);
        }
        const merged = expected.filter((x, i) => !(x.startsWith('bytes') && expected[i - 1] === x));
        expect(got).toEqual(merged);
      },
    ), { numRuns: 300 });
  });
});
