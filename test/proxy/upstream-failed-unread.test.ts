// A broker connection that fails while the client is paused (it sent more than the proxy
// holds for a broker connection still being made): the proxy closes the client with bytes
// of it unread, so the kernel sends an RST, not a FIN. The --write file must show the RST
// the client got. The FIN case is in upstream-refused-pcap.test.ts.
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CloseHow, EngineObserver } from '../../src/engine/engine.js';
import { nowUs } from '../../src/proxy/clock.js';
import { PcapTap } from '../../src/proxy/index.js';
import { requireBinary } from '../helpers/peers.js';
import { testProxy, waitFor } from './helpers.js';
import { tcpCloseRows } from './peers.js';

describe('proxy --write when the broker connection fails with client bytes unread', () => {
  it('shows the RST the client got', async () => {
    requireBinary('tshark');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-unread-'));
    const file = join(dir, 'unread.pcap');
    // A "TLS broker" that takes the connection and drops it 300 ms later, mid-handshake.
    const upstream = net.createServer((s) => { s.resume(); setTimeout(() => s.destroy(), 300); });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const pcap = new PcapTap(file);
    const hows: CloseHow[] = [];
    const observer: EngineObserver = { close: (_c, _t, how) => { hows.push(how); } };
    const proxy = await testProxy((upstream.address() as net.AddressInfo).port, {
      taps: [pcap], engineOpts: { observers: [observer] }, upstreamTls: {}, maxBufferedBytes: 1024,
    });
    try {
      const c = net.connect({ host: '127.0.0.1', port: proxy.port });
      await new Promise((r) => c.once('connect', r));
      const closed = new Promise<string>((r) => {
        c.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
        c.once('close', () => r('fin'));
      });
      // Far more than the 1024 bytes held: the proxy pauses the client, the rest stays unread.
      c.write(Buffer.alloc(4 << 20, 0x41));
      c.resume();
      expect(await closed).toBe('ECONNRESET');
      await waitFor(() => proxy.stats().active === 0);
      expect(proxy.logs[0]).toMatch(/during the TLS handshake/);
      expect(hows).toEqual(['error']);
      pcap.flush();
      const rows = await tcpCloseRows(file, proxy.port);
      expect(rows).toEqual([
        'client ack', 'server ack', 'client ack', // handshake (SYN, SYN-ACK, ACK)
        'server RST', // the proxy closed the client with its bytes unread
      ]);
    } finally {
      await proxy.close();
      pcap.finish(nowUs());
      await new Promise((r) => upstream.close(r));
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
