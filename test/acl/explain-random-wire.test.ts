// `acl explain` write verdicts against a real mosquitto 2.0.11 on generated acl_files:
// topic and pattern lines with every access word, repeated `user` sections, %u and %c
// (a username and a client id holding '/'), '+', '#', empty levels and '$' levels.
// A write is judged by the MQTT 5 PUBACK (0x87 = denied). Seeded, so a failure repeats.
// Fails (never skips) when mosquitto is missing.
import { describe, expect, it } from 'vitest';
import { explain, parseAclFile } from '../../src/acl/index.js';
import { startAclMosquitto, writeAllowed } from '../helpers/mosquitto.js';

let seed = 7;
const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const pick = <T>(a: readonly T[]): T => a[rnd(a.length)]!;

const RULE_LEVELS = ['a', 'b', '+', '#', '%u', '%c', '$s', ''];
const TOPIC_LEVELS = ['a', 'b', 'u1', 'c1', 'x', 'y', '$s', ''];

function ruleTopic(): string {
  const n = 1 + rnd(3);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const l = pick(RULE_LEVELS);
    if (l === '#') { out.push(i === n - 1 ? '#' : 'a'); continue; }
    out.push(l);
  }
  return out.join('/');
}

function aclText(): string {
  const lines: string[] = [];
  for (let i = 0; i < 6; i++) {
    const r = rnd(10);
    lines.push(r < 2 ? `user ${pick(['u1', 'a/b'])}` : `${r < 6 ? 'topic' : 'pattern'} ${pick(['read', 'write', 'readwrite', 'deny'])} ${ruleTopic()}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('acl explain agrees with mosquitto 2.0.11 on generated acl_files', () => {
  it('write verdicts, 20 files of 6 lines, 8 writes each', async () => {
    const disagreements: string[] = [];
    for (let k = 0; k < 20; k++) {
      const text = aclText();
      const acl = parseAclFile(text, 'acl');
      const broker = await startAclMosquitto(text);
      try {
        for (let j = 0; j < 8; j++) {
          const user = pick([null, 'u1', 'a/b']);
          const clientId = pick(['c1', 'x/y']);
          const topic = Array.from({ length: 1 + rnd(3) }, () => pick(TOPIC_LEVELS)).join('/');
          if (topic === '') continue;
          const wire = await writeAllowed(broker, topic, { clientId, ...(user !== null ? { username: user } : {}) });
          const ours = explain(acl, { username: user, clientId, access: 'write', topic }).allowed;
          if (wire !== ours) disagreements.push(`${JSON.stringify(text)} user ${user} client id ${clientId} write ${topic}: mosquitto ${wire}, explain ${ours}`);
        }
      } finally {
        await broker.close();
      }
    }
    expect(disagreements).toEqual([]);
  }, 120_000);
});
