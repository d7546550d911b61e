import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('subscribe-rejected', () => {
  it('3.1.1 SUBACK 0x80 names the filter', () => {
    const sc = new Scenario();
    const c = sc.client('c').login({ username: 'u' });
    const s = c.subscribe(3, ['ok/#', 'bad/#']);
    const a = c.suback(3, [0, 0x80]);
    const [f] = sc.findings;
    expect(f).toMatchObject({ code: 'subscribe-rejected', frames: [s.frame, a.frame], topic: 'bad/#', extra: { packet_id: 3, rejected: [{ filter: 'bad/#', reason_code: 0x80, reason: 'Failure' }] } });
    expect(f!.text).toContain("refused 1 of 2 subscription(s) of u in SUBSCRIBE id 3: 'bad/#' → 0x80 (Failure)");
    expect(sc.analyzer.snapshot().sessions[0]!.subscriptions.map((x) => x.filter)).toEqual(['ok/#']);
  });

  it('MQTT 5 reason names', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login();
    c.subscribe(1, ['$share/g/x', 'a/#']);
    c.suback(1, [0x9e, 0xa2]);
    expect(sc.findings[0]!.extra['rejected']).toEqual([
      { filter: '$share/g/x', reason_code: 0x9e, reason: 'Shared Subscriptions not supported' },
      { filter: 'a/#', reason_code: 0xa2, reason: 'Wildcard Subscriptions not supported' },
    ]);
  });

  it('granted subscriptions are no finding', () => {
    const sc = new Scenario();
    sc.client('c', { version: 5 }).login().sub(1, [{ filter: 'a', qos: 2 }]);
    expect(sc.end()).toEqual([]);
  });
});
