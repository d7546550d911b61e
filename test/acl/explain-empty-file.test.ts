// An acl_file with no rules (empty, or comments only) is not "no ACL": mosquitto 2.0.11
// denies every write and read. `acl explain` must say that the file has no rules, not
// only that no section matches. Fails (never skips) when mosquitto is missing.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, parseAclFile } from '../../src/acl/index.js';
import { startAclMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';

const ACL = '# to do: add rules\n\n';

let broker: RunningMosquitto;
beforeAll(async () => { broker = await startAclMosquitto(ACL); }, 20000);
afterAll(async () => { await broker?.close(); });

describe('an acl_file with no rules', () => {
  const acl = parseAclFile(ACL, 'acl.txt');

  it.each([[null], ['bob']])('user %s: mosquitto denies the write, and explain says the file has no rules', async (user) => {
    const c = await mqtt.connectAsync({
      host: broker.host, port: broker.port, protocolVersion: 5, reconnectPeriod: 0, ...(user !== null ? { username: user } : {}),
    });
    let code = 0;
    try { await c.publishAsync('t/1', 'x', { qos: 1 }); } catch (err) { code = (err as { code: number }).code; } finally { await c.endAsync(); }
    expect(code).toBe(0x87);
    const ex = explain(acl, { username: user, clientId: 'c', access: 'write', topic: 't/1' });
    expect(ex.allowed).toBe(false);
    expect(acl.warnings).toEqual(['acl.txt: the file has no rules (no topic or pattern line), so mosquitto denies every client every read and write: an empty acl_file is not the same as none']);
    expect(ex.text).toContain('acl.txt has no rules at all (it is empty, or holds only comments): with an acl_file that has none, mosquitto denies every read and write');
  });
});
