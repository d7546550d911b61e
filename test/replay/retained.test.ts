// A retained message left on the broker (by an earlier replay of the same capture,
// say) reaches a replayed subscriber first, with retain 1, before the live delivery
// the capture shows (retain 0). Before: the retained one was paired with the
// captured delivery ("PUBLISH 'a/c' retain 0 → 1"), the live one reported as
// extra, and the client's captured PUBREC was sent for the retained delivery's id.
import { describe, expect, it } from 'vitest';
import { compareAnswers, type Answer } from '../../src/replay/index.js';
import { DeliveryTracker } from '../../src/replay/deliveries.js';

const A = (o: Partial<Answer>): Answer => ({
  type: 4, version: 4, frame: 1, time: 0, packetId: null, reasonCodes: null, sessionPresent: null, topic: null, qos: 0, retain: false, dup: false, payload: null, ...o,
});
const hi = Uint8Array.from(Buffer.from('retained'));

describe('a retained message the broker held before the replay', () => {
  it('is reported as an extra retained delivery; the live one still matches the capture', () => {
    const captured = [
      A({ type: 9, frame: 9, packetId: 1, reasonCodes: [2] }),
      A({ type: 3, frame: 37, topic: 'a/c', qos: 2, packetId: 2, payload: hi }),
      A({ type: 6, frame: 42, packetId: 2 }),
    ];
    const now = [
      A({ type: 9, packetId: 1, reasonCodes: [2] }),
      A({ type: 3, topic: 'a/c', qos: 2, packetId: 1, retain: true, payload: hi, time: 5 }),
      A({ type: 3, topic: 'a/c', qos: 2, packetId: 3, payload: hi, time: 6 }),
      A({ type: 6, packetId: 3, time: 7 }),
    ];
    expect(compareAnswers(captured, now).map((d) => `${d.kind}: ${d.text}`)).toEqual([
      "extra: retained PUBLISH 'a/c' QoS 2 id 1 sent now, not in the capture",
    ]);
  });

  it('a captured retained delivery the broker no longer holds is missing, not a changed live one', () => {
    const captured = [
      A({ type: 3, frame: 10, topic: 't', qos: 1, packetId: 1, retain: true, payload: hi }),
      A({ type: 3, frame: 12, topic: 't', qos: 1, packetId: 2, payload: hi }),
    ];
    const now = [A({ type: 3, topic: 't', qos: 1, packetId: 1, payload: hi })];
    expect(compareAnswers(captured, now).map((d) => `${d.kind}: ${d.text}`)).toEqual([
      "missing: retained PUBLISH 't' QoS 1 id 1 (capture frame 10) was not sent now",
    ]);
  });

  it('the client ack of the captured live delivery goes to the live delivery, not to the retained one', () => {
    const capture = new DeliveryTracker();
    const wasDelivered = capture.publish('a/c', 2, 2, 37, false);
    const live = new DeliveryTracker();
    live.publish('a/c', 2, 1, 0, true); // from the retained store
    live.publish('a/c', 2, 3, 0, false);
    expect(live.counterpart(wasDelivered)?.packetId).toBe(3);
  });
});
