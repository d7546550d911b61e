// Text from the network reaches the terminal escaped in the tree view and in
// `decode --format json` too: a C1 control (U+009B is a one-character CSI that
// xterm acts on) or a bidirectional override (U+202E) in a topic must not be
// written raw.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { dissect } from '../../src/dissect/index.js';
import { renderTree } from '../../src/views/tree.js';

/** PUBLISH QoS 0, topic "c1" U+009B "31m/" U+202E "x" (UTF-8), payload "hi". */
const TOPIC = Buffer.from('c1\u009b31m/\u202ex', 'utf8');
const PUBLISH = Buffer.concat([
  Buffer.from([0x30, 2 + TOPIC.length + 2]), // PUBLISH QoS 0, Remaining Length
  Buffer.from([0x00, TOPIC.length]), // Topic Length
  TOPIC, // Topic Name with U+009B and U+202E
  Buffer.from('hi'), // Payload
]);

describe('terminal-unsafe characters outside the line, table and TUI views', () => {
  it('the tree view escapes U+009B and U+202E', () => {
    const out = renderTree(PUBLISH, dissect(PUBLISH, { version: 4 }), {});
    expect(out).not.toMatch(/[\u0080-\u009f\u202e]/u);
    expect(out).toContain('c1\\x9b31m/\\u202ex');
  });

  it('decode --format json writes them as \\u escapes (same JSON value)', () => {
    const r = spawnSync(process.execPath, ['bin/mqttscope', 'decode', '--format', 'json', PUBLISH.toString('hex')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0080-\u009f\u202e]/u);
    expect(r.stdout).toContain('c1\\u009b31m/\\u202ex');
    expect(JSON.parse(r.stdout.trim()).topic).toBe('c1\u009b31m/\u202ex');
  });
});
