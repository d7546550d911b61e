// `acl explain` verdicts compared with what a real mosquitto 2.0.11 does on the wire
// for the tricky cases: deny lines, merged `user` sections, anonymous `topic` lines,
// `topic` lines after `pattern` lines (still the last user's), one-word `topic`,
// %u / %c holding '/', '+' or '#', `$` topics, read vs write.
// A write is judged by the MQTT 5 PUBACK (0x87 = denied); a read by whether a
// message the admin publishes reaches a subscriber on that exact topic.
// Fails (never skips) when mosquitto is missing.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, parseAclFile } from '../../src/acl/index.js';
import { startAclMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';

const ACL = [
  'topic read anon/#',
  'topic write anonw/#',
  'user alice',
  'topic deny a/secret',
  'topic readwrite a/#',
  'user bob',
  'topic read b/#',
  'user alice',
  'topic readwrite more/#',
  'topic deny more/x',
  'pattern readwrite p/%u/#',
  'pattern read c/%c/#',
  'pattern deny p/%u/locked',
  'pattern readwrite %u/own/#',
  'topic read after/#',
  'topic deny',
  'topic nosp/#',
  'user admin',
  'topic readwrite #',
  'topic readwrite $u/#',
  'topic readwrite $SYS/#',
  '',
].join('\n');

type Case = { user: string | null; cid: string; access: 'read' | 'write'; topic: string };

const CASES: Case[] = [
  { user: 'alice', cid: 'al1', access: 'write', topic: 'a/secret' },
  { user: 'alice', cid: 'al2', access: 'write', topic: 'a/x' },
  { user: 'alice', cid: 'al3', access: 'write', topic: 'more/x' },
  { user: 'alice', cid: 'al4', access: 'write', topic: 'more/y' },
  { user: 'alice', cid: 'al5', access: 'read', topic: 'more/x' },
  { user: 'bob', cid: 'bo1', access: 'write', topic: 'b/x' },
  { user: 'bob', cid: 'bo2', access: 'read', topic: 'b/x' },
  { user: null, cid: 'an1', access: 'read', topic: 'anon/x' },
  { user: null, cid: 'an2', access: 'write', topic: 'anon/x' },
  { user: null, cid: 'an3', access: 'write', topic: 'anonw/x' },
  { user: null, cid: 'an4', access: 'read', topic: 'anonw/x' },
  { user: null, cid: 'an5', access: 'write', topic: 'p//x' },
  { user: 'x/y', cid: 'sl1', access: 'write', topic: 'p/x/y/z' },
  { user: 'carol', cid: 'q/r', access: 'read', topic: 'c/q/r/z' },
  { user: 'carol', cid: 'k+', access: 'write', topic: 'p/carol/x' },
  { user: 'carol', cid: 'k#', access: 'read', topic: 'p/carol/x' },
  { user: 'a+b', cid: 'ab1', access: 'write', topic: 'p/a/x' },
  { user: 'carol', cid: 'ca1', access: 'write', topic: 'p/carol/locked' },
  { user: 'carol', cid: 'ca2', access: 'read', topic: 'p/carol/ok' },
  { user: 'zed', cid: 'ze1', access: 'write', topic: 'zed/own/1' },
  { user: '$u', cid: 'do1', access: 'write', topic: '$u/own/1' },
  { user: '$u', cid: 'do2', access: 'read', topic: '$u/own/1' },
  { user: '%c', cid: 'zz', access: 'write', topic: 'p/%c/x' },
  { user: '%c', cid: 'zz2', access: 'write', topic: 'p/zz2/x' },
  { user: 'nobody', cid: 'no1', access: 'read', topic: 'anon/x' },
  { user: 'alice', cid: 'al6', access: 'read', topic: 'after/x' },
  { user: 'alice', cid: 'al7', access: 'write', topic: 'after/x' },
  { user: 'alice', cid: 'al8', access: 'write', topic: 'deny' },
  { user: 'alice', cid: 'al9', access: 'write', topic: 'nosp/1' },
  { user: 'admin', cid: 'ad1', access: 'write', topic: '$SYS/mine' },
  { user: 'admin', cid: 'ad2', access: 'write', topic: '$SYSTEM/mine' },
];

let broker: RunningMosquitto;

beforeAll(async () => { broker = await startAclMosquitto(ACL); }, 20000);
afterAll(async () => { await broker?.close(); });

async function client(user: string | null, cid: string): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync({
    host: broker.host, port: broker.port, protocolVersion: 5, clientId: cid, reconnectPeriod: 0,
    ...(user !== null ? { username: user } : {}),
  });
}

/** What mosquitto does: true = allowed. */
async function onTheWire(c: Case): Promise<boolean> {
  const me = await client(c.user, c.cid);
  try {
    if (c.access === 'write') {
      try {
        await me.publishAsync(c.topic, 'w', { qos: 1 });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 0x87) return false;
        throw err;
      }
    }
    const got = new Promise<boolean>((resolve) => {
      me.on('message', (t) => { if (t === c.topic) resolve(true); });
      setTimeout(() => resolve(false), 400);
    });
    await me.subscribeAsync(c.topic, { qos: 0 });
    const admin = await client('admin', `adm-${c.cid}`);
    await admin.publishAsync(c.topic, 'r', { qos: 1 });
    await admin.endAsync();
    return await got;
  } finally {
    await me.endAsync();
  }
}

describe('acl explain agrees with mosquitto 2.0.11', () => {
  const acl = parseAclFile(ACL, 'acl');
  for (const c of CASES) {
    it(`${c.access} ${c.topic} as user ${c.user ?? '(none)'} client id ${c.cid}`, async () => {
      const wire = await onTheWire(c);
      const ex = explain(acl, { username: c.user, clientId: c.cid, access: c.access, topic: c.topic });
      expect({ explain: ex.allowed, text: ex.text }).toMatchObject({ explain: wire });
    });
  }
});
