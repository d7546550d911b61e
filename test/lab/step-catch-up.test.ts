// A lab step narrates only once the view has shown every packet the clients wrote: with
// --fast the pace is 30 ms, and a client hands a 2 MB PUBLISH to its socket long before
// the proxy has read it all, so "len-pub disconnects" used to come before that PUBLISH.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CATCH_UP_MAX_MS, MqttLabContext } from '../../src/lab/context.js';

/** An MQTT.js stand-in: a client whose socket has written `bytes`, connected at once. */
function fakeMqtt(bytes: { n: number }): ConstructorParameters<typeof MqttLabContext>[0] {
  return {
    connect: () => {
      const c = new EventEmitter() as EventEmitter & { stream: { readonly bytesWritten: number }; connected: boolean; end(): void };
      c.stream = { get bytesWritten() { return bytes.n; } };
      c.connected = true;
      c.end = () => undefined;
      setImmediate(() => c.emit('connect'));
      return c;
    },
  } as unknown as ConstructorParameters<typeof MqttLabContext>[0];
}

describe('lab step and the view', () => {
  it('waits for the packets the clients wrote to be shown, not just the pace', async () => {
    const written = { n: 0 };
    let shown = 0;
    const said: Array<{ text: string; shown: number }> = [];
    const ctx = new MqttLabContext(fakeMqtt(written), 'mqtt://x', 30, (text) => said.push({ text, shown }), () => shown);
    await ctx.connect('big');
    // The client wrote a 2 MB PUBLISH; the view shows it 300 ms later (10 times the pace).
    written.n = 2_097_157;
    setTimeout(() => { shown = 2_097_157; }, 300);
    const started = performance.now();
    await ctx.step('"big" disconnects');
    expect(said).toEqual([{ text: '"big" disconnects', shown: 2_097_157 }]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    ctx.stop();
  });

  it('bytes never shown (a connection cut with data in flight) hold one step at most', async () => {
    const written = { n: 0 };
    const ctx = new MqttLabContext(fakeMqtt(written), 'mqtt://x', 30, () => undefined, () => 0);
    await ctx.connect('cut');
    written.n = 500;
    let started = performance.now();
    await ctx.step('first');
    expect(performance.now() - started).toBeGreaterThanOrEqual(CATCH_UP_MAX_MS - 10);
    // The next step waits only its pace.
    started = performance.now();
    await ctx.step('second');
    expect(performance.now() - started).toBeLessThan(1000);
    ctx.stop();
  }, 10_000);
});
