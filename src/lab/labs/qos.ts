// QoS 0, 1 and 2 side by side [MQTT 3.1.1 §4.3].
import type { Lab } from '../types.js';

export const qosLab: Lab = {
  name: 'qos',
  title: 'QoS 0, 1 and 2 side by side',
  summary: 'one message at each QoS level: fire-and-forget, PUBACK, and the PUBREC/PUBREL/PUBCOMP handshake',
  explanation: [
    'A publisher sends "hello at QoS N" to lab/qos/N at QoS N = 0, 1 and 2, to a subscriber',
    'that asked for QoS 2: each message reaches it at the QoS it was published with.',
    '',
    '* QoS 0 (at most once): one PUBLISH, no packet id, no answer.',
    '* QoS 1 (at least once): PUBLISH with a packet id, answered by PUBACK with the same id.',
    '* QoS 2 (exactly once): PUBLISH → PUBREC → PUBREL → PUBCOMP, all with one packet id.',
    '  PUBREL has fixed-header flags 0010 [MQTT-3.6.1-1].',
    '',
    'Each hop is its own flow: client→broker and broker→client use their own packet ids.',
  ].join('\n'),
  tuiHint: [
    'The dqr column is DUP, QoS, RETAIN: .0. .1. .2. for the three publishes.',
    'Select a PUBREL and open Header Flags in the tree to see 0010.',
    'Press 4 (flows) to see each flow with its state and latency, then 1 to come back.',
  ].join('\n'),
  lineHint: [
    'The QoS is q0, q1, q2 in the flags (d0 q1 r0). Follow id=N: the packets of one flow',
    'share one packet id. A PUBREL bit by bit: mqttscope decode 62020001',
  ].join('\n'),
  expectFindings: [],
  expectPackets: ['PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP'],
  async script(ctx) {
    await ctx.step('subscriber "qos-sub" connects and subscribes to lab/qos/# with QoS 2');
    const sub = await ctx.connect('qos-sub');
    await sub.subscribeAsync('lab/qos/#', { qos: 2 });
    await ctx.step('publisher "qos-pub" connects');
    const pub = await ctx.connect('qos-pub');
    for (const qos of [0, 1, 2] as const) {
      await ctx.step(`publish "hello at QoS ${qos}" to lab/qos/${qos} with QoS ${qos}`);
      await pub.publishAsync(`lab/qos/${qos}`, `hello at QoS ${qos}`, { qos });
    }
    await ctx.received(sub, 3);
    await ctx.step('both clients disconnect');
  },
};
