// A client id reconnecting in a loop while the old connections' closes are never seen
// (a capture exported with the display filter `mqtt` has no FIN, or two clients sharing
// one id in a capture cut short): each CONNECT takes over the connection before it, once.
import { describe, expect, it } from 'vitest';
import { Harness } from './engine-harness.js';

describe('a client id that reconnects in a loop, no close seen', () => {
  it('reports each take-over once, of the connection just before, at a cost that does not grow', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    const n = 1500;
    const conns = [];
    for (let i = 0; i < n; i++) {
      const c = h.conn();
      c.login('looping', 'u');
      c.sub(1, 'loop/#', { qos: 1 });
      conns.push(c);
      h.wait(1);
    }
    const takeovers = h.byCode('session-takeover');
    // Each connection but the first takes over one: the one before it. Before the fix, every
    // CONNECT took over every earlier connection again (n(n-1)/2 = 1,124,250 findings).
    expect(takeovers.length).toBe(n - 1);
    for (let i = 1; i < n; i++) {
      expect(takeovers[i - 1]!.conn).toBe(conns[i]!.meta.id);
      expect(takeovers[i - 1]!.extra?.['previous_conn']).toBe(conns[i - 1]!.meta.id);
    }
    const snap = h.analyzer.snapshot();
    const last = snap.sessions.find((s) => s.conn === conns[n - 1]!.meta.id)!;
    expect(last.tookOver).toEqual([conns[n - 2]!.meta.id]);
  });

  it('a CONNECT answered after another one took the same connection over takes over that one only', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    const a = h.conn();
    a.login('twice', 'u');
    const b = h.conn();
    const c = h.conn();
    // b and c both send their CONNECT while a is connected; b is answered first.
    b.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'twice', keepalive: 60 });
    c.c({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'twice', keepalive: 60 });
    b.s({ cmd: 'connack', sessionPresent: false, returnCode: 0 });
    c.s({ cmd: 'connack', sessionPresent: false, returnCode: 0 });
    const t = h.byCode('session-takeover').map((f) => [f.conn, f.extra?.['previous_conn']]);
    expect(t).toEqual([[b.meta.id, a.meta.id], [c.meta.id, b.meta.id]]);
  });
});
