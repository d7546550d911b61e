// The proxy's decoding tap keeps a little per connection (its metadata, and
// whether its decoder failed); 20,000 connections later, only the open ones'.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { ConnMeta } from '../../src/model/types.js';
import { DecodeTap, TapSet } from '../../src/proxy/decode-tap.js';
import type { ConnectionTap } from '../../src/proxy/types.js';
import { connack, connect, PINGREQ, T0 } from './wire.js';

describe('DecodeTap and TapSet over connection churn', () => {
  it('forget closed connections, those whose decoder failed included', () => {
    let seen = 0;
    const engine = new Engine({
      onRecord: () => { seen++; },
      // A decoder bug on every tenth connection: its PINGREQ throws.
      observers: [{ packet: (r) => { if (r.summary.type === 12 && r.conn.client.port % 10 === 0) throw new Error('boom'); } }],
    });
    let failedFindings = 0;
    const decode = new DecodeTap(engine, (r) => { if (r.kind === 'finding' && r.extra['note'] === 'decoder-failed') failedFindings++; });
    const pcapLike: ConnectionTap = { open() {}, data() {}, close() {} };
    const tap = new TapSet([pcapLike, decode], () => {});
    const open: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const port = 1024 + (i % 60_000);
      const meta: ConnMeta = { id: `10.1.${i >> 8 & 255}.${i & 255}:${port}-10.0.0.1:1883`, client: { host: '10.1.0.1', port }, server: { host: '10.0.0.1', port: 1883 }, transport: 'tcp' };
      tap.open(meta, T0 + i);
      tap.data(meta.id, 'c2s', connect(`c${i}`), T0 + i);
      tap.data(meta.id, 's2c', connack(), T0 + i);
      tap.data(meta.id, 'c2s', PINGREQ, T0 + i);
      if (i % 100 === 6) open.push(meta.id); // these stay open (and their decoder failed)
      else tap.close(meta.id, T0 + i, i % 3 === 0 ? 'reset' : 'fin', 'c2s');
    }
    // Past its time box the tap queues events for the next turn of the event loop; this loop never yields.
    decode.flush();
    expect(decode.failures).toBe(2000);
    const inner = decode as unknown as { metas: Map<string, ConnMeta>; failed: Map<string, ConnMeta> };
    expect(inner.metas.size).toBe(open.length);
    // The decoder failed on the ones left open (port % 10 === 0).
    expect(inner.failed.size).toBe(open.length);
    expect(open.every((id) => inner.metas.has(id))).toBe(true);
    // CONNECT, CONNACK and PINGREQ of each, and one decoder-failed finding per failed connection.
    expect([seen, failedFindings]).toEqual([20_000 * 3, 2000]);
  });
});
