// A WebSocket client that breaks the protocol (here: a text frame [MQTT-6.0.0-1]) is
// closed by the proxy: a close frame 1003, then the proxy's FIN. The --write file must
// show that, as the client saw it: the server side closing first with a FIN. It used to
// end the conversation with an RST, which the client never got. The engine hears the
// close as `proxy-closed`, by the server side.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CloseHow, EngineObserver } from '../../src/engine/engine.js';
import type { Direction } from '../../src/model/types.js';
import { nowUs } from '../../src/proxy/clock.js';
import { PcapTap } from '../../src/proxy/index.js';
import { requireBinary } from '../helpers/peers.js';
import { tempDir } from '../helpers/tmp.js';
import { connectPacket, openWs, rawServer, testProxy, waitFor } from './helpers.js';
import { tcpCloseRows } from './peers.js';

describe('proxy --write when a WebSocket client sends a text frame', () => {
  it('shows the FIN the proxy sent the client first, not an RST from the client', async () => {
    requireBinary('tshark');
    const file = join(tempDir('mqttscope-wstext-'), 'ws.pcap');
    const pcap = new PcapTap(file);
    const closes: Array<[CloseHow, Direction | undefined]> = [];
    const observer: EngineObserver = { close: (_c, _t, how, by) => { closes.push([how, by]); } };
    const broker = await rawServer();
    const proxy = await testProxy(broker.port, { taps: [pcap], wsListen: { host: '127.0.0.1', port: 0 }, engineOpts: { observers: [observer] } });
    let client: WebSocket | null = null;
    try {
      client = await openWs(proxy.wsPort!, 'mqtt');
      const closed = new Promise<number>((r) => client!.once('close', (code) => r(code)));
      client.send(connectPacket('ws-pcap'), { binary: true });
      await broker.next();
      // A PUBLISH as text: 30 PUBLISH QoS 0; 03 Remaining Length; 00 01 topic length; 74 topic "t".
      client.send('\x30\x03\x00\x01t', { binary: false });
      expect(await closed).toBe(1003);
      await waitFor(() => proxy.connections().length === 0, 5000, 'the link closed');
      expect(closes).toEqual([['proxy-closed', 's2c']]);
      pcap.flush();
      const flags = (await tcpCloseRows(file, proxy.wsPort!)).filter((x) => !x.endsWith(' ack'));
      expect(flags).toEqual(['server FIN', 'client FIN']);
    } finally {
      client?.terminate();
      await proxy.close();
      await broker.close();
      pcap.finish(nowUs());
    }
  }, 30_000);
});
