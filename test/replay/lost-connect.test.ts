// A connection whose CONNECT was lost to the snap length (or to segments not
// captured) did not begin mid-connection: the report says what happened.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../read/run.js';
import { runCli, startBundledBroker, type Peer } from './helpers.js';

// test/replay/topic-alias.pcapng cut with `editcap -s 70`: every frame keeps 70 bytes, so
// the client's CONNECT, SUBSCRIBE and PUBLISHes are lost; short packets (PUBACK, DISCONNECT) remain.
const CUT = resolve(ROOT, 'test/replay/topic-alias-snap70.pcapng');

describe('replay of a capture whose CONNECTs were cut by the snap length', () => {
  let broker: Peer;
  beforeAll(async () => { broker = await startBundledBroker(); });
  afterAll(async () => { await broker?.stop(); });

  it('names the gap that lost the CONNECT instead of claiming the capture began mid-connection', async () => {
    const r = await runCli(['replay', CUT, '--port', '18841', '--to', `127.0.0.1:${broker.port}`, '--speed', 'max', '--timeout', '500']);
    expect(r.stdout).toContain("#1 127.0.0.1:46430-127.0.0.1:18841: DIFFERENT");
    expect(r.stdout).toContain("  note: the client's first bytes on this connection are missing from the capture (a gap in capture frame 4: cut by the snap length or segments not captured), so its CONNECT was not captured and the first packet sent is PUBACK (capture frame 25)");
    expect(r.stdout).toContain('a gap in capture frame 13:');
    expect(r.stdout).not.toContain('began mid-connection');
    expect(r.stderr).toMatch(/frame 4: only 70 of 87 bytes were captured/);
    expect(r.code).toBe(1);
  });
});
