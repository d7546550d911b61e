// A wildcard --listen or --ws-listen lets clients from other hosts reach the broker
// through the proxy. The default is 127.0.0.1; one who asks for 0.0.0.0 or :: gets
// one line saying what that opens, and how to keep it local. Before, nothing was said.
import { afterEach, describe, expect, it } from 'vitest';
import { rawServer, testProxy, type RawServer, type TestProxy } from './helpers.js';

let upstream: RawServer | null = null;
let proxy: TestProxy | null = null;

afterEach(async () => {
  await proxy?.close();
  proxy = null;
  await upstream?.close();
  upstream = null;
});

describe('listening on all interfaces', () => {
  it('warns once for --listen 0.0.0.0 and once for --ws-listen ::', async () => {
    upstream = await rawServer();
    proxy = await testProxy(upstream.port, {
      listen: { host: '0.0.0.0', port: 0 },
      wsListen: { host: '::', port: 0 },
    });
    const open = proxy.logs.filter((l) => l.includes('other hosts'));
    expect(open).toEqual([
      `--listen 0.0.0.0:${proxy.port} accepts clients from other hosts (all interfaces), and they reach the broker 127.0.0.1:${upstream.port} through it; --listen 127.0.0.1:${proxy.port} keeps it to this machine`,
      `--ws-listen [::]:${proxy.wsPort} accepts clients from other hosts (all interfaces), and they reach the broker 127.0.0.1:${upstream.port} through it; --ws-listen 127.0.0.1:${proxy.wsPort} keeps it to this machine`,
    ]);
  });

  it('says nothing for loopback listeners', async () => {
    upstream = await rawServer();
    proxy = await testProxy(upstream.port, { wsListen: { host: '127.0.0.1', port: 0 } });
    expect(proxy.logs).toEqual([]);
  });
});
