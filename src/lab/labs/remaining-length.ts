// Remaining Length [MQTT 3.1.1 §2.2.3]: a variable byte integer of 1 to 4 bytes.
import type { Lab } from '../types.js';

const TOPIC = 'lab/len';
/** Remaining Length of a QoS 0 PUBLISH: 2 + topic + payload. */
const overhead = 2 + TOPIC.length;
/** Payload sizes whose Remaining Length needs 1, 2, 3 and 4 bytes. */
export const RL_CASES: Array<{ bytes: number; payload: number }> = [
  { bytes: 1, payload: 100 - overhead }, // 100 → 64
  { bytes: 2, payload: 321 - overhead }, // 321 → c1 02
  { bytes: 3, payload: 20_000 - overhead }, // 20000 → a0 9c 01
  { bytes: 4, payload: 2_097_152 - overhead }, // 2097152 → 80 80 80 01
];

export const remainingLengthLab: Lab = {
  name: 'remaining-length',
  title: 'Remaining Length: 1, 2, 3 and 4 bytes',
  summary: 'four publishes whose Remaining Length is encoded in 1, 2, 3 and 4 bytes',
  explanation: [
    'The Remaining Length after byte 1 counts the bytes that follow the fixed header. It is',
    'a variable byte integer: 7 bits per byte, least significant group first; the top bit',
    '(continuation) says another byte follows [MQTT-2.2.3].',
    '',
    '  100      → 64            (1 byte,  up to 127)',
    '  321      → c1 02         (2 bytes, up to 16 383)   65 + 2×128',
    '  20000    → a0 9c 01      (3 bytes, up to 2 097 151)',
    '  2097152  → 80 80 80 01   (4 bytes, up to 268 435 455)',
  ].join('\n'),
  tuiHint: [
    'Select each PUBLISH, Tab to the tree, open "Remaining Length": one node per byte shows',
    'its 7 value bits, its weight and its continuation bit; the hex pane highlights it.',
  ].join('\n'),
  lineHint: 'The line view shows the value as len=N; run the lab on a terminal (the TUI) to open each byte in the tree.',
  expectFindings: [],
  async script(ctx) {
    await ctx.step('"len-pub" connects');
    const pub = await ctx.connect('len-pub');
    for (const c of RL_CASES) {
      const rl = overhead + c.payload;
      await ctx.step(`publish ${c.payload} payload bytes to ${TOPIC}: Remaining Length ${rl} takes ${c.bytes} byte${c.bytes > 1 ? 's' : ''}`);
      await pub.publishAsync(TOPIC, Buffer.alloc(c.payload, 0x61 + c.bytes - 1), { qos: 0 });
    }
    await ctx.step('"len-pub" disconnects');
  },
};
