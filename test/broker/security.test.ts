import { describe, it, expect } from 'vitest';
import mqtt from 'mqtt';
import { startBroker, type SecurityEvent } from '../../src/broker/index.js';
import { parseAclFile, parsePasswordFile } from '../../src/acl/index.js';

const acl = parseAclFile('topic read public/#\npattern readwrite +/+/+/%u\n', 'acl');
const passwd = parsePasswordFile('user1:pass1\n', 'passwd');

function connect(port: number, o: { username?: string; password?: string } = {}): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect({ host: '127.0.0.1', port, reconnectPeriod: 0, protocolVersion: 4, ...o });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => { c.end(true); reject(e); });
  });
}

describe('bundled broker security events', () => {
  it('reports refusals, denied publishes and withheld deliveries', async () => {
    const events: SecurityEvent[] = [];
    const b = await startBroker({ passwd, acl, allowAnonymous: true, onEvent: (e) => events.push(e) });
    try {
      await expect(connect(b.port, { username: 'user1', password: 'bad' })).rejects.toMatchObject({ code: 5 });
      const anon = await connect(b.port);
      await anon.subscribeAsync('a/b/c/user1', { qos: 1 });
      const u1 = await connect(b.port, { username: 'user1', password: 'pass1' });
      await u1.publishAsync('$SYS/broker/x', 'no', { qos: 1 });
      await u1.publishAsync('a/b/c/user1', 'mine', { qos: 1 });
      await new Promise((r) => setTimeout(r, 200));
      expect(u1.connected).toBe(true);
      expect(events.map((e) => e.kind)).toEqual(['connect-refused', 'publish-denied', 'delivery-withheld']);
      expect(events[0]).toMatchObject({ username: 'user1', reason: 'bad-password' });
      expect(events[1]).toMatchObject({ topic: '$SYS/broker/x', qos: 1 });
      expect(events[2]).toMatchObject({ topic: 'a/b/c/user1', username: null });
      anon.end(true);
      u1.end(true);
    } finally {
      await b.close();
    }
  });

  it('lets anyone in without a password file when anonymous access is allowed', async () => {
    const b = await startBroker({});
    try {
      const c = await connect(b.port, { username: 'whoever', password: 'x' });
      c.end(true);
    } finally {
      await b.close();
    }
    const strict = await startBroker({ allowAnonymous: false });
    try {
      await expect(connect(strict.port, { username: 'whoever', password: 'x' })).rejects.toMatchObject({ code: 5 });
    } finally {
      await strict.close();
    }
  });
});
