// Last Will [MQTT 3.1.1 §3.1.2.5]: a client dies without DISCONNECT.
import type { Lab } from '../types.js';

export const willLab: Lab = {
  name: 'will',
  title: 'Last Will: a client dies without DISCONNECT',
  summary: 'a client with a will loses its socket; the broker publishes the will to the watcher',
  explanation: [
    '"fragile" connects with a Last Will (topic lab/will/fragile, payload "fragile went away").',
    'In its CONNECT, Connect Flags has Will Flag=1 and Will QoS=1; the will topic and',
    'message follow the client id.',
    '',
    'Then its TCP connection is destroyed: no DISCONNECT is sent. The broker must publish',
    'the will [MQTT-3.1.2-8]: look for the broker→client PUBLISH of lab/will/fragile to',
    '"watcher", with no DISCONNECT from fragile before it (the views list packets, not the',
    'closing of a connection), and for the will-published finding.',
    'A clean DISCONNECT would have discarded the will [MQTT-3.1.2-10].',
  ].join('\n'),
  tuiHint: 'Select the CONNECT of fragile and open Connect Flags in the tree. Press 5 (findings) to see the will-published finding.',
  lineHint: 'The CONNECT of fragile shows will=lab/will/fragile q1; the finding is the !! line and names that CONNECT and the will PUBLISH by number (#5 #11).',
  expectFindings: ['will-published'],
  async script(ctx) {
    await ctx.step('"watcher" connects and subscribes to lab/will/#');
    const watcher = await ctx.connect('watcher');
    await watcher.subscribeAsync('lab/will/#', { qos: 1 });
    await ctx.step('"fragile" connects with a Last Will on lab/will/fragile');
    const fragile = await ctx.connect('fragile', {
      will: { topic: 'lab/will/fragile', payload: Buffer.from('fragile went away'), qos: 1, retain: false },
    });
    await ctx.step('"fragile" publishes "online" to lab/will/fragile/status');
    await fragile.publishAsync('lab/will/fragile/status', 'online', { qos: 1 });
    await ctx.step('the socket of "fragile" is destroyed: no DISCONNECT');
    fragile.stream.destroy();
    await ctx.received(watcher, 2, 5000);
    await ctx.step('"watcher" received the will; it disconnects');
  },
};
