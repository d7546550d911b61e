// Link.holdForDecoder: the decoder pauses a sender until it catches up, and that
// hold and the write backpressure of the other side must not undo each other.
// Fake Ends record pause() and resume(); the real Link runs between them.
import { describe, expect, it } from 'vitest';
import type { ConnMeta } from '../../src/model/types.js';
import type { End, EndEvents } from '../../src/proxy/ends.js';
import { Link } from '../../src/proxy/link.js';

class FakeEnd implements End {
  ev: EndEvents | null = null;
  paused = false;
  log: string[] = [];
  /** What write() answers: false means "the reader feeding this side should pause". */
  accept = true;
  written = 0;
  buffered = 0;
  destroyed = false;
  write(chunk: Buffer): boolean { this.written += chunk.length; return this.accept; }
  end(): void {}
  reset(): void { this.destroyed = true; }
  destroy(): void { this.destroyed = true; }
  pause(): void { this.paused = true; this.log.push('pause'); }
  resume(): void { this.paused = false; this.log.push('resume'); }
  listen(ev: EndEvents): void { this.ev = ev; }
}

const meta: ConnMeta = { id: 'c', client: { host: '127.0.0.1', port: 5000 }, server: { host: '127.0.0.1', port: 1883 }, transport: 'tcp' };

function rig(): { link: Link; client: FakeEnd; upstream: FakeEnd } {
  const client = new FakeEnd();
  const upstream = new FakeEnd();
  const tap = { open() {}, data() {}, close() {} };
  const link = new Link(meta, client, {
    now: () => 0, tap, log: () => {}, notice: () => {}, closed: () => {}, upstreamLabel: 'b:1', maxBufferedBytes: 1 << 20,
  }, (attempt) => { attempt.connected(upstream); return () => {}; });
  return { link, client, upstream };
}

describe('Link: decoder holds and write backpressure together', () => {
  it('a client held for the decoder stays paused when the broker side drains, until the decoder lets go', () => {
    const { link, client, upstream } = rig();
    upstream.accept = false;
    client.ev!.data(Buffer.from('abc')); // the broker side is full: the client is paused
    expect(client.paused).toBe(true);
    link.holdForDecoder('c2s', true);
    upstream.accept = true;
    upstream.ev!.drain(); // backpressure is over, but the decoder still holds it
    expect(client.paused).toBe(true);
    link.holdForDecoder('c2s', false);
    expect(client.paused).toBe(false);
    expect(upstream.written).toBe(3);
  });

  it('a decoder hold that ends while the broker side is still full leaves the client paused until the drain', () => {
    const { link, client, upstream } = rig();
    link.holdForDecoder('c2s', true);
    expect(client.log).toEqual(['pause']);
    upstream.accept = false;
    client.ev!.data(Buffer.from('x'));
    link.holdForDecoder('c2s', false);
    expect(client.paused).toBe(true);
    upstream.ev!.drain();
    expect(client.paused).toBe(false);
  });

  it('holds the broker side for bytes it sends, and the client draining does not resume it early', () => {
    const { link, client, upstream } = rig();
    link.holdForDecoder('s2c', true);
    expect(upstream.paused).toBe(true);
    expect(client.paused).toBe(false);
    client.accept = false;
    upstream.ev!.data(Buffer.from('pong'));
    client.ev!.drain();
    expect(upstream.paused).toBe(true);
    link.holdForDecoder('s2c', false);
    expect(upstream.paused).toBe(false);
  });

  it('info() says which side is paused for the decoder', () => {
    const { link } = rig();
    expect(link.info()).toMatchObject({ clientPausedForDecoder: false, brokerPausedForDecoder: false });
    link.holdForDecoder('s2c', true);
    expect(link.info()).toMatchObject({ clientPausedForDecoder: false, brokerPausedForDecoder: true });
    link.holdForDecoder('c2s', true);
    link.holdForDecoder('s2c', false);
    expect(link.info()).toMatchObject({ clientPausedForDecoder: true, brokerPausedForDecoder: false });
  });

  it('repeated holds and releases pause and resume once each', () => {
    const { link, client } = rig();
    link.holdForDecoder('c2s', true);
    link.holdForDecoder('c2s', true);
    link.holdForDecoder('c2s', false);
    link.holdForDecoder('c2s', false);
    expect(client.log).toEqual(['pause', 'resume']);
  });
});
