// Retained messages [MQTT 3.1.1 §3.3.1.3]: set, delivered to a late subscriber, cleared.
import type { Lab } from '../types.js';

export const retainedLab: Lab = {
  name: 'retained',
  title: 'Retained messages: set, late subscriber, clear',
  summary: 'a retained value reaches a subscriber that arrives later; an empty retained publish clears it',
  explanation: [
    'The broker keeps the last retained message of a topic and gives it to every new subscriber.',
    '',
    '1. "door-sensor" publishes "open" to lab/retained/door with RETAIN=1.',
    '2. "late-app" subscribes afterwards and still receives it: the broker→client PUBLISH has',
    '   RETAIN=1 because it comes from the store [MQTT-3.3.1-8].',
    '3. "door-sensor" publishes an EMPTY payload with RETAIN=1: that deletes the retained',
    '   message [MQTT-3.3.1-10] (Remaining Length is just the topic and packet id).',
    '   "late-app", already subscribed, gets that empty message with RETAIN=0: a live',
    '   delivery, not one from the store [MQTT-3.3.1-9].',
    '4. "later-app" subscribes and gets nothing.',
  ].join('\n'),
  tuiHint: 'The dqr column (DUP, QoS, RETAIN) shows r for RETAIN=1 (.1r). Press 3 (topics) to see the topic tree with its retained value before and after step 3.',
  lineHint: 'Watch r1 (RETAIN=1) in the flags (d0 q1 r1) of steps 1 and 3, and of what each subscriber gets.',
  expectFindings: [],
  async script(ctx) {
    await ctx.step('"door-sensor" connects');
    const sensor = await ctx.connect('door-sensor');
    await ctx.step('"door-sensor" publishes "open" to lab/retained/door, QoS 1, RETAIN=1');
    await sensor.publishAsync('lab/retained/door', 'open', { qos: 1, retain: true });
    await ctx.step('"late-app" connects and subscribes: it receives the retained value');
    const late = await ctx.connect('late-app');
    await late.subscribeAsync('lab/retained/#', { qos: 1 });
    await ctx.received(late, 1);
    await ctx.step('"door-sensor" clears the retained value: empty payload, RETAIN=1');
    await sensor.publishAsync('lab/retained/door', '', { qos: 1, retain: true });
    await ctx.received(late, 2);
    await ctx.step('"later-app" connects and subscribes: nothing is retained any more');
    const later = await ctx.connect('later-app');
    await later.subscribeAsync('lab/retained/#', { qos: 1 });
    await ctx.sleep(Math.min(300, ctx.pace));
    await ctx.step('everyone disconnects');
  },
};
