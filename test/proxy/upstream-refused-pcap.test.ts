// A broker that refuses the connection: the proxy closes the client with a FIN (it
// destroys a socket with nothing unread), and the --write file must show that FIN, as
// the client saw it. Before, the file ended the conversation with an RST from the server
// port, which the client never received. The engine still hears why the connection
// ended (the broker could not be reached), not a plain FIN: a FIN alone would read as a
// broker hanging up on the CONNECT.
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CloseHow, EngineObserver } from '../../src/engine/engine.js';
import { nowUs } from '../../src/proxy/clock.js';
import { PcapTap } from '../../src/proxy/index.js';
import { freePort, requireBinary } from '../helpers/peers.js';
import { testProxy, waitFor } from './helpers.js';
import { tcpCloseRows } from './peers.js';

/** CONNECT, MQTT 3.1.1, clean session, keep alive 60, client id "ref". */
const CONNECT = Buffer.from([
  0x10, 15, // CONNECT, remaining length 15
  0, 4, 0x4d, 0x51, 0x54, 0x54, // protocol name "MQTT"
  4, // protocol level 4 (3.1.1)
  2, // connect flags: clean session
  0, 60, // keep alive 60 s
  0, 3, 0x72, 0x65, 0x66, // client id "ref"
]);

describe('proxy --write when the broker refuses the connection', () => {
  it('shows the FIN the client got from the proxy, not an RST', async () => {
    requireBinary('tshark');
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-refused-'));
    const file = join(dir, 'refused.pcap');
    const dead = await freePort();
    const pcap = new PcapTap(file);
    const hows: CloseHow[] = [];
    const observer: EngineObserver = { close: (_c, _t, how) => { hows.push(how); } };
    const proxy = await testProxy(dead, { taps: [pcap], engineOpts: { observers: [observer] } });
    try {
      const c = net.connect({ host: '127.0.0.1', port: proxy.port, allowHalfOpen: true });
      await new Promise((r) => c.once('connect', r));
      let reset = false;
      c.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'ECONNRESET') reset = true; });
      c.write(CONNECT);
      c.resume();
      // What the client sees: the end of the stream (a FIN), not a reset.
      await new Promise((r) => c.once('end', r));
      expect(reset).toBe(false);
      c.end();
      await new Promise((r) => c.once('close', r));
      await waitFor(() => proxy.stats().active === 0);
      expect(proxy.logs[0]).toMatch(/refused the connection; closing client/);
      expect(hows).toEqual(['upstream-failed']);
      pcap.flush();
      const rows = await tcpCloseRows(file, proxy.port);
      expect(rows).toEqual([
        'client ack', 'server ack', 'client ack', // handshake (SYN, SYN-ACK, ACK)
        // The CONNECT was held for the broker connection and never forwarded: not in the file.
        'server FIN', // the proxy closed the client
        'client FIN', // the client closed in turn
        'server ack',
      ]);
    } finally {
      await proxy.close();
      pcap.finish(nowUs());
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
