// Persistent sessions [MQTT 3.1.1 §3.1.2.4, §3.2.2.2]: clean session off.
import type { Lab } from '../types.js';

export const sessionLab: Lab = {
  name: 'session',
  title: 'Persistent session: messages queued while away',
  summary: 'clean session off, QoS 1 messages queued while the client is away, session present on return',
  explanation: [
    '"sleeper" connects with Clean Session=0 and subscribes at QoS 1.',
    'It disconnects; "sender" then publishes three QoS 1 messages. The broker keeps them in',
    'the session of "sleeper" [MQTT-3.1.2-5].',
    '',
    'When "sleeper" comes back with Clean Session=0, the CONNACK has Session Present=1',
    '[MQTT-3.2.2-2] and the queued messages follow at once, without a new SUBSCRIBE.',
  ].join('\n'),
  tuiHint: 'Open Connect Flags in a CONNECT of "sleeper" to see Clean Session=0. Press 2 (clients) to compare the two connections of "sleeper".',
  lineHint: 'persistent on a CONNECT is Clean Session=0. Compare the two CONNACKs of "sleeper": sp=0, then sp=1 (Session Present).',
  expectFindings: [],
  async script(ctx) {
    await ctx.step('"sleeper" connects with clean session off and subscribes to lab/session/inbox (QoS 1)');
    let sleeper = await ctx.connect('sleeper', { clean: false });
    await sleeper.subscribeAsync('lab/session/inbox', { qos: 1 });
    await ctx.step('"sleeper" disconnects; its session stays on the broker');
    await sleeper.endAsync();
    await ctx.step('"sender" publishes three QoS 1 messages while "sleeper" is away');
    const sender = await ctx.connect('sender');
    for (let i = 1; i <= 3; i++) await sender.publishAsync('lab/session/inbox', `message ${i} of 3`, { qos: 1 });
    await ctx.step('"sleeper" reconnects with clean session off: CONNACK session present = 1');
    sleeper = await ctx.connect('sleeper', { clean: false });
    await ctx.received(sleeper, 3, 5000);
    await ctx.step('the three queued messages arrived; everyone disconnects');
  },
};
