// Missing and extra answers name the code that says why: a DISCONNECT the live
// broker sent (0x94 Topic Alias invalid, 0x8E Session taken over), a CONNACK, a
// failed ack. A bare "+ extra: DISCONNECT" left the user to guess.
import { describe, expect, it } from 'vitest';
import { compareAnswers, type Answer } from '../../src/replay/index.js';

const A = (o: Partial<Answer>): Answer => ({
  type: 4, version: 5, frame: 1, time: 0, packetId: null, reasonCodes: null, sessionPresent: null, topic: null, qos: 0, retain: false, dup: false, payload: null, ...o,
});

describe('missing and extra answers name their reason code', () => {
  it('an extra MQTT 5 DISCONNECT from the broker says why it closed', () => {
    const texts = compareAnswers([], [A({ type: 14, reasonCodes: [0x94] })]).map((d) => `${d.kind}: ${d.text}`);
    expect(texts).toEqual(['extra: DISCONNECT 0x94 Topic Alias invalid sent now, not in the capture']);
  });

  it('a DISCONNECT without a reason code is a normal disconnection', () => {
    const texts = compareAnswers([A({ type: 14, frame: 9 })], []).map((d) => d.text);
    expect(texts).toEqual(['DISCONNECT 0x00 Normal disconnection (capture frame 9) was not sent now']);
  });

  it('a missing CONNACK names its 3.1.1 return code', () => {
    const texts = compareAnswers([A({ type: 2, version: 4, frame: 2, reasonCodes: [5] })], []).map((d) => d.text);
    expect(texts).toEqual(['CONNACK 0x05 Connection Refused, not authorized (capture frame 2) was not sent now']);
  });

  it('an extra ack names a failure code, and leaves success bare', () => {
    const texts = compareAnswers([], [
      A({ type: 4, packetId: 3, reasonCodes: [0x87] }),
      A({ type: 4, packetId: 4, reasonCodes: [0x00] }),
    ]).map((d) => d.text);
    expect(texts).toEqual([
      'PUBACK id 3 reason 0x87 Not authorized sent now, not in the capture',
      'PUBACK id 4 sent now, not in the capture',
    ]);
  });
});
