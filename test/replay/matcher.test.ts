// The streaming comparison (answers compared as they come, a matched pair let
// go at once) gives the same differences as comparing the whole lists at the
// end, whatever the interleaving of captured and live answers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnswerMatcher, type Answer, type Difference } from '../../src/replay/index.js';
import { DeliveryTracker } from '../../src/replay/deliveries.js';

const A = (o: Partial<Answer>): Answer => ({
  type: 4, version: 4, frame: 1, time: 0, packetId: null, reasonCodes: null, sessionPresent: null, topic: null, qos: 0, retain: false, dup: false, payload: null, ...o,
});

/** The comparison as it was done on whole lists (the oracle): keys, then pairing by key and order. */
function batchKinds(captured: Answer[], received: Answer[]): string[] {
  const keys = (list: Answer[]): string[] => {
    const d = new DeliveryTracker();
    return list.map((a) => {
      if (a.type === 3) {
        if (a.qos > 0 && a.packetId !== null) d.publish(a.topic ?? '', a.qos, a.packetId, 0, a.retain);
        return `3|${a.retain ? 'retained|' : ''}${a.topic ?? ''}`;
      }
      if (a.type === 6 && a.packetId !== null) {
        const x = d.pubrel(a.packetId);
        if (x) return `6|delivery ${x.key}#${x.ordinal}`;
      }
      return a.packetId !== null ? `${a.type}|${a.packetId}` : String(a.type);
    });
  };
  const pending = new Map<string, Answer[]>();
  const rk = keys(received);
  received.forEach((r, i) => { const l = pending.get(rk[i]!) ?? []; l.push(r); pending.set(rk[i]!, l); });
  const out: string[] = [];
  keys(captured).forEach((k, i) => {
    const was = captured[i]!;
    const now = pending.get(k)?.shift();
    if (!now) { out.push(`missing ${was.frame}`); return; }
    const same = was.qos === now.qos && was.retain === now.retain
      && Buffer.compare(Buffer.from(was.payload ?? []), Buffer.from(now.payload ?? [])) === 0 && (was.payload === null) === (now.payload === null)
      && (was.reasonCodes ?? [0]).join() === (now.reasonCodes ?? [0]).join();
    if (!same) out.push(`changed ${was.frame}`);
  });
  const extra = [...pending.values()].flat().sort((x, y) => x.time - y.time);
  for (const e of extra) out.push(`extra ${e.time}`);
  return out;
}

function kinds(diffs: Difference[], received: Answer[]): string[] {
  // One entry per answer (a changed answer may have several lines).
  const out: string[] = [];
  let extraIdx = 0;
  const extras = diffs.filter((d) => d.kind === 'extra');
  for (const d of diffs) {
    if (d.kind === 'extra') continue;
    const s = `${d.kind} ${d.frame}`;
    if (out.at(-1) !== s) out.push(s);
  }
  void received;
  for (const d of extras) out.push(`extra ${d.text}#${extraIdx++}`);
  return out;
}

const answerArb = fc.record({
  type: fc.constantFrom(3, 4, 6, 13),
  topic: fc.constantFrom('a', 'b'),
  qos: fc.constantFrom(0, 1, 2),
  retain: fc.boolean(),
  packetId: fc.integer({ min: 1, max: 3 }),
  code: fc.constantFrom(0, 0x10),
  payload: fc.oneof(fc.uint8Array({ maxLength: 4 }), fc.constantFrom(new Uint8Array(40), new Uint8Array(40).fill(1))),
}).map((r) => A({
  type: r.type,
  topic: r.type === 3 ? r.topic : null,
  qos: r.type === 3 ? r.qos : 0,
  retain: r.type === 3 && r.retain,
  packetId: r.type === 13 || (r.type === 3 && r.qos === 0) ? null : r.packetId,
  reasonCodes: r.type === 4 ? [r.code] : null,
  payload: r.type === 3 ? r.payload : null,
}));

describe('AnswerMatcher', () => {
  it('any interleaving of captured and live answers gives the differences of the whole-list comparison', () => {
    fc.assert(fc.property(
      fc.array(answerArb, { maxLength: 12 }), fc.array(answerArb, { maxLength: 12 }), fc.array(fc.boolean(), { maxLength: 30 }),
      (cap0, rec0, order) => {
        const captured = cap0.map((a, i) => ({ ...a, frame: i + 1, time: i }));
        const received = rec0.map((a, i) => ({ ...a, frame: 0, time: 1000 + i }));
        const m = new AnswerMatcher();
        let i = 0, j = 0, k = 0;
        while (i < captured.length || j < received.length) {
          const takeCaptured = j >= received.length || (i < captured.length && (order[k++] ?? true));
          if (takeCaptured) m.captured(captured[i++]!);
          else m.received(received[j++]!);
        }
        const { diffs, notListed } = m.finish();
        expect(notListed).toBe(0);
        const got = kinds(diffs, received);
        const want = batchKinds(captured, received);
        // Same missing/changed answers in captured order, and as many extras.
        expect(got.filter((x) => !x.startsWith('extra'))).toEqual(want.filter((x) => !x.startsWith('extra')));
        expect(got.filter((x) => x.startsWith('extra')).length).toBe(want.filter((x) => x.startsWith('extra')).length);
      },
    ), { numRuns: 500 });
  });

  it('a payload over 20 bytes that differs only in its last byte is reported changed (compared by SHA-1)', () => {
    const p1 = new Uint8Array(64).fill(7), p2 = new Uint8Array(64).fill(7);
    p2[63] = 8;
    const m = new AnswerMatcher();
    m.captured(A({ type: 3, topic: 't', frame: 9, payload: p1 }));
    m.received(A({ type: 3, topic: 't', payload: p2 }));
    m.captured(A({ type: 3, topic: 't', frame: 10, payload: p1 }));
    m.received(A({ type: 3, topic: 't', payload: Uint8Array.from(p1) }));
    expect(m.finish().diffs.map((d) => d.text)).toEqual(["PUBLISH 't' payload differs (64 bytes in the capture, 64 now) (capture frame 9)"]);
  });

  it('lists at most the cap of differences, first in captured order, and counts the rest', () => {
    const m = new AnswerMatcher(1000);
    for (let i = 1; i <= 1500; i++) m.captured(A({ type: 4, packetId: (i % 65535) + 1, frame: i }));
    const { diffs, notListed } = m.finish();
    expect(diffs).toHaveLength(1000);
    expect(diffs[0]!.text).toBe('PUBACK id 2 (capture frame 1) was not sent now');
    expect(diffs[999]!.frame).toBe(1000);
    expect(notListed).toBe(500);
  });

  it('a matched pair is let go: nothing waits once both sides gave the same answers', () => {
    const m = new AnswerMatcher();
    for (let i = 0; i < 10_000; i++) {
      m.captured(A({ type: 3, topic: 'x', payload: Uint8Array.of(i & 0xff) }));
      m.received(A({ type: 3, topic: 'x', payload: Uint8Array.of(i & 0xff) }));
    }
    expect(m.waiting).toBe(0);
    expect(m.finish().diffs).toEqual([]);
  });
});
