import { describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';

describe('session tracker', () => {
  it('records version, ids, username, clean start, session present, keep-alive, will', () => {
    const sc = new Scenario();
    const c = sc.client('c1', { version: 5 });
    c.connect({ clientId: '', username: 'u', clean: false, keepAlive: 30, will: { topic: 'dead/c1', payload: 'bye', qos: 1, retain: true } });
    c.connack(0, { sessionPresent: true, properties: { assigned_client_identifier: 'auto-123', server_keep_alive: 20 } });
    const [s] = sc.analyzer.snapshot().sessions;
    expect(s).toMatchObject({
      state: 'connected', version: 5, clientId: 'auto-123', assignedClientId: 'auto-123', username: 'u', cleanStart: false,
      sessionPresent: true, keepAlive: 20, connackCode: 0,
      will: { topic: 'dead/c1', qos: 1, retain: true, payloadLength: 3, preview: 'bye' },
    });
    expect(sc.analyzer.snapshot().clients).toEqual([{ clientId: 'auto-123', usernames: ['u'], connections: [c.meta.id], connected: true }]);
  });

  it('tracks subscriptions with granted QoS and options, and unsubscriptions', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login();
    c.subscribe(1, [{ filter: 'a/#', qos: 2, nl: true, rap: true, rh: 2 }, { filter: 'b', qos: 1 }, { filter: 'bad/#', qos: 1 }]);
    const ack = c.suback(1, [1, 0, 0x87]);
    let subs = sc.analyzer.snapshot().sessions[0]!.subscriptions;
    expect(subs).toEqual([
      expect.objectContaining({ filter: 'a/#', requestedQos: 2, grantedQos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2, subackFrame: ack.frame }),
      expect.objectContaining({ filter: 'b', requestedQos: 1, grantedQos: 0, noLocal: false }),
    ]);
    c.unsubscribe(2, ['b']);
    c.unsuback(2, [0]);
    const snap = sc.analyzer.snapshot().sessions[0]!;
    subs = snap.subscriptions;
    expect(subs.map((s) => s.filter)).toEqual(['a/#']);
    expect(snap.unsubscribed).toEqual(['b']);
    expect(sc.codes()).toEqual(['subscribe-rejected']);
  });

  it('re-subscribing replaces the subscription', () => {
    const sc = new Scenario();
    const c = sc.client('c').login().sub(1, [{ filter: 'a', qos: 0 }]).sub(2, [{ filter: 'a', qos: 2 }]);
    expect(c).toBeDefined();
    expect(sc.analyzer.snapshot().sessions[0]!.subscriptions).toEqual([expect.objectContaining({ filter: 'a', grantedQos: 2 })]);
  });

  it('records the disconnect reason and the close', () => {
    const sc = new Scenario();
    const c = sc.client('c', { version: 5 }).login();
    const d = c.disconnect(0x8e, 's2c');
    c.close();
    const s = sc.analyzer.snapshot().sessions[0]!;
    expect(s).toMatchObject({ state: 'closed', closeHow: 'fin', disconnect: { by: 'server', reasonCode: 0x8e, reason: 'Session taken over', frame: d.frame } });
    expect(s.closedAt).toBe(sc.time);
  });

  it('session present carries the subscriptions of the previous connection over', () => {
    const sc = new Scenario();
    const a = sc.client('c').login({ clientId: 'c', clean: false }).sub(1, [{ filter: 'x/#', qos: 1 }]);
    a.disconnect();
    a.close();
    const b = sc.client('c');
    b.connect({ clientId: 'c', clean: false });
    b.connack(0, { sessionPresent: true });
    expect(sc.analyzer.snapshot().sessions[1]!.subscriptions).toEqual([expect.objectContaining({ filter: 'x/#', grantedQos: 1, inherited: true })]);
  });

  it('a session is created for packets of a connection whose open was not seen', () => {
    const sc = new Scenario();
    const c = sc.client('mid', { open: false });
    c.pingreq();
    expect(sc.analyzer.snapshot().sessions).toMatchObject([{ conn: c.meta.id, state: 'open', version: 4 }]);
  });

  it('snapshot: flows with per-step latency and topic counts', () => {
    const sc = new Scenario();
    const c = sc.client('c').login();
    c.publish({ topic: 't', payload: 'x', qos: 2, id: 3 });
    sc.wait(2);
    c.ack('PUBREC', 3, 's2c');
    sc.wait(3);
    c.ack('PUBREL', 3, 'c2s');
    sc.wait(4);
    c.ack('PUBCOMP', 3, 's2c');
    const snap = sc.analyzer.snapshot();
    expect(snap.flows.inFlight).toEqual([]);
    expect(snap.flows.recent[0]).toMatchObject({ kind: 'publish-qos2', state: 'complete', packetId: 3, totalUs: 9000 });
    expect(snap.flows.recent[0]!.steps.map((s) => [s.type, s.latencyUs])).toEqual([['PUBLISH', 0], ['PUBREC', 2000], ['PUBREL', 3000], ['PUBCOMP', 4000]]);
    expect(snap.flows.stats['publish-qos2']).toMatchObject({ count: 1, complete: 1, avgUs: 9000, maxUs: 9000 });
    expect(snap.topics).toEqual([expect.objectContaining({ topic: 't', published: 1, delivered: 0, lastPreview: 'x', retained: null })]);
  });
});
