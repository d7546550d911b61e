// What a client that publishes to $SYS/... or $share/... gets from mosquitto 2.0.11 (refused
// before the acl_file, even with `topic readwrite $SYS/#`): an MQTT 5 client a PUBACK with
// 0x87, an MQTT 3.1.1 client a plain PUBACK. `acl explain` must say that, not just
// "acknowledged and dropped". Fails (never skips) when mosquitto is missing.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, parseAclFile } from '../../src/acl/index.js';
import { startAclMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';

const ACL = 'user admin\ntopic readwrite #\ntopic readwrite $SYS/#\ntopic readwrite $share/#\n';

let broker: RunningMosquitto;
beforeAll(async () => { broker = await startAclMosquitto(ACL); }, 20000);
afterAll(async () => { await broker?.close(); });

/** The PUBACK reason code for a QoS 1 publish (0 for MQTT 3.1.1, which has none). */
async function pubackCode(version: 4 | 5, topic: string): Promise<number> {
  const c = await mqtt.connectAsync({ host: broker.host, port: broker.port, protocolVersion: version, username: 'admin', reconnectPeriod: 0 });
  try {
    await c.publishAsync(topic, 'x', { qos: 1 });
    return 0;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (typeof code === 'number') return code;
    throw err;
  } finally {
    await c.endAsync();
  }
}

describe('a write to a $SYS or $share topic', () => {
  const acl = parseAclFile(ACL, 'acl');
  it.each([['$SYS/mine'], ['$share/g/x']])('%s: 0x87 for MQTT 5, a plain PUBACK for MQTT 3.1.1, and explain says both', async (topic) => {
    expect(await pubackCode(5, topic)).toBe(0x87);
    expect(await pubackCode(4, topic)).toBe(0);
    const ex = explain(acl, { username: 'admin', clientId: 'a', access: 'write', topic });
    expect(ex.allowed).toBe(false);
    expect(ex.text).toContain('an MQTT 3.1.1 client still gets a normal PUBACK/PUBREC (rc 0) for QoS 1/2, an MQTT 5 client gets reason code 0x87 (Not authorized), and a QoS 0 publish gets no answer at all.');
    expect(ex.text).not.toContain('acknowledged and dropped');
  });
});
