// A broker that never answers the TCP handshake (a wrong address whose packets are
// dropped) keeps the proxy's connection attempt pending for about two minutes, until
// the kernel gives up; clients usually give up first. The proxy said nothing then: the
// user saw clients failing and no line. Now a client that leaves after waiting a
// second or more gets one line naming the upstream. Fake Ends and a fake clock.
import { describe, expect, it } from 'vitest';
import type { ConnMeta } from '../../src/model/types.js';
import { FakeEnd } from './helpers.js';
import { Link } from '../../src/proxy/link.js';


const meta: ConnMeta = { id: 'c', client: { host: '127.0.0.1', port: 5000 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' };

/** A Link whose broker connection never settles; `at` sets the clock (µs). */
function rig(): { client: FakeEnd; logs: string[]; notices: string[]; aborted: () => number; at(us: number): void; closed: () => boolean } {
  const client = new FakeEnd();
  const logs: string[] = [];
  const notices: string[] = [];
  let now = 1_000_000;
  let aborts = 0;
  let done = false;
  const tap = { open() {}, data() {}, close() {} };
  new Link(meta, client, {
    now: () => now, tap, log: (l) => logs.push(l), notice: (l) => notices.push(l), closed: () => { done = true; },
    upstreamLabel: '10.9.9.9:1883', maxBufferedBytes: 1 << 20,
  }, () => () => { aborts++; });
  return { client, logs, notices, aborted: () => aborts, at: (us) => { now = us; }, closed: () => done };
}

describe('a client that gives up while the broker connection is pending', () => {
  it('after 30 s: one line naming the upstream and the client, and the attempt is aborted', () => {
    const r = rig();
    r.client.ev!.data(Buffer.from('c000', 'hex'));
    r.at(31_000_000);
    r.client.ev!.close();
    expect(r.logs).toEqual(["upstream 10.9.9.9:1883 did not answer the connection attempt within 30.0 s, when client 127.0.0.1:5000 gave up (is the broker's address right, and is it reachable?)"]);
    expect(r.aborted()).toBe(1);
    expect(r.closed()).toBe(true);
  });

  it('a reset then a close: still one line', () => {
    const r = rig();
    r.at(3_500_000);
    const err: NodeJS.ErrnoException = new Error('reset');
    err.code = 'ECONNRESET';
    r.client.ev!.error(err);
    r.client.ev!.close();
    expect(r.logs).toHaveLength(1);
    expect(r.logs[0]).toContain('within 2.5 s');
  });

  it('a client gone within a second (a port check) gets no line', () => {
    const r = rig();
    r.at(1_400_000);
    r.client.ev!.close();
    expect(r.logs).toEqual([]);
    expect(r.notices).toEqual([]);
    expect(r.aborted()).toBe(1);
  });
});
