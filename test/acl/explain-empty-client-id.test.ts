// A client that sends an empty client id is not checked with %c = '': mosquitto 2.0.11
// gives it an id of its own (auto-<UUID>, in the MQTT 5 CONNACK) before any ACL check.
// `acl explain --client-id ''` must not grant what `cw/%c/#` becomes with '' (cw//#).
// Judged on the wire by the MQTT 5 PUBACK (0x87 = denied). Fails (never skips) without mosquitto.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, isAllowed, parseAclFile } from '../../src/acl/index.js';
import { startAclMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';

const ACL = 'pattern readwrite cw/%c/#\nuser admin\ntopic readwrite #\n';

let broker: RunningMosquitto;
beforeAll(async () => { broker = await startAclMosquitto(ACL); }, 20000);
afterAll(async () => { await broker?.close(); });

/** Publish QoS 1 as an MQTT 5 client with an empty client id: [allowed, the id mosquitto assigned]. */
async function publishWithEmptyId(user: string | null, topicFor: (assigned: string) => string): Promise<[boolean, string]> {
  const c = mqtt.connect({
    host: broker.host, port: broker.port, protocolVersion: 5, clientId: '', clean: true, reconnectPeriod: 0,
    ...(user !== null ? { username: user } : {}),
  });
  const assigned = await new Promise<string>((resolve, reject) => {
    c.once('connect', (connack) => resolve(String(connack.properties?.assignedClientIdentifier ?? '')));
    c.once('error', reject);
  });
  try {
    await c.publishAsync(topicFor(assigned), 'x', { qos: 1 });
    return [true, assigned];
  } catch (err) {
    if ((err as { code?: number }).code === 0x87) return [false, assigned];
    throw err;
  } finally {
    await c.endAsync();
  }
}

describe('an empty client id under a %c pattern (mosquitto 2.0.11 assigns auto-<UUID>)', () => {
  const acl = parseAclFile(ACL, 'acl');

  it.each([['bob'], [null]])('user %s: cw//x is denied, as on the wire', async (user) => {
    const [wire, assigned] = await publishWithEmptyId(user, () => 'cw//x');
    expect(wire).toBe(false);
    expect(assigned).toMatch(/^auto-/);
    const ex = explain(acl, { username: user, clientId: '', access: 'write', topic: 'cw//x' });
    expect({ allowed: ex.allowed, text: ex.text }).toMatchObject({ allowed: false });
    expect(ex.text).toContain('(empty client id)');
    expect(ex.text).toContain("the client id is empty: mosquitto gives the client one of its own (auto- and a random UUID");
    expect(ex.text).not.toContain('becomes cw//#');
    expect(isAllowed(acl, { username: user, clientId: '', access: 'write', topic: 'cw//x' })).toBe(false);
  });

  it('the assigned id is what %c stands for: allowed on the wire, and explain names it as the client id that decides', async () => {
    const [wire, assigned] = await publishWithEmptyId('bob', (id) => `cw/${id}/x`);
    expect(wire).toBe(true);
    const topic = `cw/${assigned}/x`;
    expect(explain(acl, { username: 'bob', clientId: assigned, access: 'write', topic }).allowed).toBe(true);
    const ex = explain(acl, { username: 'bob', clientId: '', access: 'write', topic });
    expect(ex.dependsOnClientId).toBe(true);
    expect(ex.alternatives).toContainEqual(expect.objectContaining({ clientId: assigned, allowed: true }));
    // Only ids mosquitto can assign are offered.
    expect(ex.alternatives.every((a) => a.clientId.startsWith('auto-'))).toBe(true);
  });

  it('a topic no assigned id can reach says so', () => {
    const ex = explain(acl, { username: 'bob', clientId: '', access: 'write', topic: 'cw/foo/x' });
    expect(ex.allowed).toBe(false);
    expect(ex.dependsOnClientId).toBe(false);
    expect(ex.text).toContain('Line 1 uses %c and was skipped (the auto-… id mosquitto assigns is not known); no client id starting with auto- makes it match cw/foo/x.');
  });
});
