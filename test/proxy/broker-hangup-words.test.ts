// The line saying the broker hung up without answering is for a client that sent
// something the broker did not answer; a client that sent nothing (a port check, a
// client slow to start) gets no such line when the broker closes, since there was
// nothing to answer and no --upstream-tls advice applies.
import { describe, expect, it } from 'vitest';
import { connect, rawServer, testProxy, waitFor } from './helpers.js';

describe('broker closes before answering', () => {
  it('says so when the client sent bytes, and not when it sent none', async () => {
    const server = await rawServer();
    const proxy = await testProxy(server.port);
    try {
      const quiet = await connect(proxy.port);
      quiet.on('error', () => {});
      quiet.on('end', () => quiet.end()); // close our side too once the proxy passes the broker's FIN on
      (await server.next()).destroy();
      await waitFor(() => proxy.stats().active === 0, 5000, 'the quiet connection closed');
      expect(proxy.logs).toEqual([]);

      const talker = await connect(proxy.port);
      talker.on('error', () => {});
      talker.on('end', () => talker.end());
      const up = await server.next();
      talker.write(Buffer.from([0xc0, 0x00])); // PINGREQ: 2 bytes
      await new Promise<void>((r) => up.once('data', () => r()));
      up.destroy();
      await waitFor(() => proxy.stats().active === 0, 5000, 'the talking connection closed');
      expect(proxy.logs).toHaveLength(1);
      expect(proxy.logs[0]).toMatch(/closed the connection without answering \(client 127\.0\.0\.1:\d+ sent 2 bytes, the broker none\)/);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
