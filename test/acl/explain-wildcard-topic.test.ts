// `acl explain --read a/#` / `--write a/#`: no topic name holds a wildcard. mosquitto 2.0.11
// closes the connection of a client that publishes one, without a PUBACK; explain must
// say so and, for --read, point to --subscribe (read access is checked per message topic).
// Fails (never skips) when mosquitto is missing.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, parseAclFile } from '../../src/acl/index.js';
import { startAclMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';

let broker: RunningMosquitto;
beforeAll(async () => { broker = await startAclMosquitto('topic readwrite #\n'); }, 20000);
afterAll(async () => { await broker?.close(); });

const CONNECT = Buffer.from([
  0x10, // CONNECT
  0x0e, // remaining length 14
  0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, // protocol name "MQTT"
  0x04, // protocol level 4 (3.1.1)
  0x02, // flags: clean session
  0x00, 0x3c, // keep alive 60
  0x00, 0x02, 0x77, 0x31, // client id "w1"
]);
const PUBLISH = Buffer.from([
  0x32, // PUBLISH, QoS 1
  0x07, // remaining length 7
  0x00, 0x03, 0x61, 0x2f, 0x23, // topic "a/#"
  0x00, 0x01, // packet id 1
]);

/** Every byte mosquitto sends until it closes the connection. */
function exchange(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: broker.host, port: broker.port });
    const got: Buffer[] = [];
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`mosquitto kept the connection open; got ${Buffer.concat(got).toString('hex')}`)); }, 3000);
    s.on('data', (d) => { got.push(d); if (Buffer.concat(got).length >= 4) s.write(PUBLISH); });
    s.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(got)); });
    s.on('error', () => { /* a reset also ends it */ });
    s.write(CONNECT);
  });
}

describe('a topic name with a wildcard', () => {
  const acl = parseAclFile('topic readwrite #\n', 'acl');

  it('mosquitto closes the connection without a PUBACK, and explain says so', async () => {
    const bytes = await exchange();
    expect(bytes.toString('hex')).toBe('20020000'); // only the CONNACK (accepted): no PUBACK
    const w = explain(acl, { username: null, clientId: 'w1', access: 'write', topic: 'a/#' });
    expect(w.allowed).toBe(false);
    expect(w.text).toContain("A PUBLISH to a topic with '+' or '#' is a protocol error: mosquitto closes the connection without acknowledging it");
  });

  it('--read of a filter points to --subscribe, not to the publisher being disconnected', () => {
    const r = explain(acl, { username: null, clientId: 'r1', access: 'read', topic: 'a/+' });
    expect(r.allowed).toBe(false);
    expect(r.text).toContain('Read access is checked per message, on the topic it was published to: use --read with such a topic, or --subscribe a/+ for what a subscription to this filter can deliver.');
    expect(r.text).not.toContain('the broker disconnects the client');
  });
});
