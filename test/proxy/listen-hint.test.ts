// listenOn's messages: port 1883 taken (a broker service, typically) gets a hint
// on what to run instead; other ports get the plain message. The hint's example names
// the flag that failed: `--ws-listen 1883` was told to run `--listen 1884`, which moves
// the other listener.
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenOn } from '../../src/proxy/listen.js';

/** A server whose listen() fails with EADDRINUSE, without touching a real port. */
function busyServer(): net.Server {
  const s = new EventEmitter() as unknown as net.Server;
  (s as unknown as { listen: () => void }).listen = () => {
    const err: NodeJS.ErrnoException = new Error('listen EADDRINUSE');
    err.code = 'EADDRINUSE';
    queueMicrotask(() => s.emit('error', err));
  };
  return s;
}

describe('listenOn: address in use', () => {
  it('on 1883 it says a broker may hold the port and how to pick another', async () => {
    await expect(listenOn(busyServer(), { host: '127.0.0.1', port: 1883 }, '--listen')).rejects.toThrow(
      '127.0.0.1:1883 is already in use; pick another with --listen (1883 is the standard MQTT port: is a broker such as a mosquitto service running? `npm start -- --listen 1884` or `mqttscope up --listen 1884` uses another)',
    );
  });
  it('on another port the message stays short', async () => {
    await expect(listenOn(busyServer(), { host: '127.0.0.1', port: 18999 }, '--listen')).rejects.toThrow(/^127\.0\.0\.1:18999 is already in use; pick another with --listen$/);
  });
});

describe('listenOn: 1883 in use, for --ws-listen', () => {
  it('the example uses --ws-listen', async () => {
    const err = await listenOn(busyServer(), { host: '127.0.0.1', port: 1883 }, '--ws-listen').catch((e: Error) => e);
    expect((err as Error).message).toBe(
      '127.0.0.1:1883 is already in use; pick another with --ws-listen (1883 is the standard MQTT port: is a broker such as a mosquitto service running? `npm start -- --ws-listen 1884` or `mqttscope up --ws-listen 1884` uses another)',
    );
  });
});
