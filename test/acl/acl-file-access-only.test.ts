// `topic deny` / `topic read` with nothing after the access word: mosquitto 2.0.11 reads
// the one word as the topic and gives readwrite on it (a deny that grants!). The parser
// does the same and warns, since the line almost never means what it says.
// Judged on the wire by the MQTT 5 PUBACK (0x87 = denied). Fails (never skips) without mosquitto.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, parseAclFile } from '../../src/acl/index.js';
import { startAclMosquitto, writeAllowed, type RunningMosquitto } from '../helpers/mosquitto.js';

const ACL = 'topic deny\ntopic read\ntopic write \npattern deny\ntopic readwrite ok/#\n';

let broker: RunningMosquitto;
beforeAll(async () => { broker = await startAclMosquitto(ACL); }, 20000);
afterAll(async () => { await broker?.close(); });

describe('an access word with no topic after it', () => {
  const acl = parseAclFile(ACL, 'acl');

  it.each([['deny', true], ['read', true], ['write', true], ['other', false]])('write %s: mosquitto and explain agree (%s)', async (topic, want) => {
    expect(await writeAllowed(broker, topic)).toBe(want);
    expect(explain(acl, { username: null, clientId: 'c', access: 'write', topic }).allowed).toBe(want);
  });

  it('warns once per such line, naming it', () => {
    expect(acl.warnings.filter((w) => w.includes('Was a topic left out?'))).toEqual([
      "acl:1: 'topic deny' has no topic after 'deny', so mosquitto reads 'deny' as the topic: the line gives readwrite on the topic named 'deny'. Was a topic left out?",
      "acl:2: 'topic read' has no topic after 'read', so mosquitto reads 'read' as the topic: the line gives readwrite on the topic named 'read'. Was a topic left out?",
      "acl:3: 'topic write' has no topic after 'write', so mosquitto reads 'write' as the topic: the line gives readwrite on the topic named 'write'. Was a topic left out?",
      "acl:4: 'pattern deny' has no topic after 'deny', so mosquitto reads 'deny' as the topic: the line gives readwrite on the topic named 'deny'. Was a topic left out?",
    ]);
    // A one-word topic that is not an access word is not worth a warning.
    expect(parseAclFile('topic status\n', 'acl').warnings).toEqual([]);
  });
});
