// `user bob<TAB>smith`: mosquitto 2.0.11 keeps the tab in the section's name, and closes the
// connection of any client whose username holds a control character, so the section never
// applies. The parser warns. Fails (never skips) when mosquitto is missing.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, parseAclFile } from '../../src/acl/index.js';
import { startAclMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';

const ACL = 'user bob\tsmith\ntopic readwrite t/#\nuser \u0001x\ntopic readwrite u/#\nuser ok\ntopic readwrite t/#\n';

let broker: RunningMosquitto;
beforeAll(async () => { broker = await startAclMosquitto(ACL); }, 20000);
afterAll(async () => { await broker?.close(); });

/** True when mosquitto answers the CONNECT with a CONNACK that accepts it. */
function logsIn(username: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = mqtt.connect({ host: broker.host, port: broker.port, protocolVersion: 5, username, reconnectPeriod: 0 });
    c.on('error', () => { /* refused: the close below answers */ });
    c.once('connect', () => { c.end(true); resolve(true); });
    c.once('close', () => { c.end(true); resolve(false); });
  });
}

describe('a user section whose name holds a control character', () => {
  const acl = parseAclFile(ACL, 'acl');

  it('no client can log in with that name, and explain says so', async () => {
    expect(await logsIn('ok')).toBe(true);
    expect(await logsIn('bob\tsmith')).toBe(false);
    const ex = explain(acl, { username: 'bob\tsmith', clientId: 'c', access: 'write', topic: 't/1' });
    expect(ex.allowed).toBe(false);
  });

  it('warns for each such section', () => {
    expect(acl.warnings).toEqual([
      "acl:1: the username 'bob\\tsmith' contains a tab character (mosquitto separates fields with spaces only, so it is part of the name), so the section never applies: no client can log in with such a username (mosquitto closes the connection at CONNECT)",
      "acl:3: the username '\\u{1}x' contains the control character U+0001, so the section never applies: no client can log in with such a username (mosquitto closes the connection at CONNECT)",
    ]);
  });
});
