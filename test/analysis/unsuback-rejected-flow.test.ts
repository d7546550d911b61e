// An MQTT 5 UNSUBACK reason code of 0x80 (Unspecified error) is a failure (every
// code from 0x80 up is): the UNSUBSCRIBE flow ends rejected, 0x11 (No subscription
// existed) is below 0x80 and ends it complete.
import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('UNSUBACK reason codes and the flow state', () => {
  it('0x80 ends the flow rejected, 0x11 complete', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login();
    c.unsubscribe(1, ['a']);
    c.unsuback(1, [0x80]);
    c.unsubscribe(2, ['b']);
    c.unsuback(2, [0x11]);
    const { recent } = sc.analyzer.snapshot().flows;
    expect(recent.map((f) => [f.kind, f.state])).toEqual([['unsubscribe', 'rejected'], ['unsubscribe', 'complete']]);
  });
});
