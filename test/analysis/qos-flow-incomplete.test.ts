import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('qos-flow-incomplete', () => {
  it('cut short by a disconnect', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    const p = c.publish({ topic: 't', payload: 'x', qos: 2, id: 1 });
    const r = c.ack('PUBREC', 1, 's2c');
    const q = c.publish({ topic: 't', payload: 'y', qos: 1, id: 2 });
    c.disconnect();
    c.close();
    const [f] = sc.findings;
    expect(f).toMatchObject({
      code: 'qos-flow-incomplete', severity: 'warn', frames: [p.frame, r.frame, q.frame],
      extra: { awaiting: ['PUBREL', 'PUBACK'], flows: [{ kind: 'publish-qos2', packet_id: 1, state: 'awaiting-pubrel' }, { kind: 'publish-qos1', packet_id: 2 }] },
    });
    expect(f!.text).toContain('2 flow(s) of c were cut short when the connection closed after DISCONNECT from the client');
    expect(p.findings).toEqual(['qos-flow-incomplete']);
    expect(sc.analyzer.snapshot().flows.stats['publish-qos2'].incomplete).toBe(1);
  });

  it('cut short by the end of the capture: info', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.subscribe(1, ['a']);
    const [f] = sc.end();
    expect(f).toMatchObject({ code: 'qos-flow-incomplete', severity: 'info' });
    expect(f!.text).toContain('the capture ended');
  });

  it('completed flows and unanswered pings are no finding', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.publish({ topic: 't', payload: 'x', qos: 1, id: 1 });
    c.puback(1);
    c.pingreq();
    c.close();
    expect(sc.end()).toEqual([]);
  });
});
