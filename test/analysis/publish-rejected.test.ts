import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('publish-rejected', () => {
  it('PUBACK >= 0x80 (MQTT 5)', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login({ username: 'user1' });
    const p = c.publish({ topic: 'panama/colon/user1', payload: 'x', qos: 1, id: 2 });
    const a = c.puback(2, 0x87);
    const [f] = sc.findings;
    expect(f).toMatchObject({ code: 'publish-rejected', severity: 'warn', topic: 'panama/colon/user1', frames: [p.frame, a.frame], extra: { reason_code: 0x87, reason: 'Not authorized', packet_id: 2, qos: 1 } });
    expect(f!.text).toContain("The broker rejected this QoS 1 publish from user1 on 'panama/colon/user1' with PUBACK 0x87 (Not authorized)");
    expect(p.findings).toEqual(['publish-rejected']);
    expect(a.findings).toEqual(['publish-rejected']);
  });

  it('PUBREC >= 0x80 ends a QoS 2 flow', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login();
    c.publish({ topic: 't', payload: 'x', qos: 2, id: 2 });
    c.ack('PUBREC', 2, 's2c', 0x97);
    expect(sc.findings).toMatchObject([{ code: 'publish-rejected', extra: { reason: 'Quota exceeded' } }]);
    expect(sc.analyzer.snapshot().flows.recent[0]).toMatchObject({ state: 'rejected' });
    expect(sc.end()).toHaveLength(1);
  });

  it('0x10 No matching subscribers is a success', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login();
    c.publish({ topic: 't', payload: 'x', qos: 1, id: 2 });
    c.puback(2, 0x10);
    expect(sc.end()).toEqual([]);
  });
});
