// `acl explain` for topics deeper than a broker takes: mosquitto 2.0.11 closes the
// connection on a topic or filter of more than 201 levels before any acl_file rule
// (checked here on the wire), and the bundled broker (aedes) on more than 100.
// Fails (never skips) when mosquitto is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, parseAclFile } from '../../src/acl/index.js';
import { startAclMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { RawClient } from '../broker/raw-client.js';

const ACL = 'topic read r/#\n';
const acl = parseAclFile(ACL, 'acl');
const deep = (n: number): string => Array.from({ length: n }, (_, i) => `l${i}`).join('/');

describe('acl explain: topic depth', () => {
  it('more than 201 levels: the connection is closed, no rule is checked', () => {
    const w = explain(acl, { username: null, access: 'write', topic: deep(202) });
    expect(w.allowed).toBe(false);
    expect(w.text).toContain("the topic has 202 levels, and mosquitto takes at most 201 (200 '/')");
    expect(w.text).toContain('Verdict: DENIED. mosquitto closes the connection on such a PUBLISH, without acknowledging it, and so does the bundled broker.');
    expect(w.text).toContain('topic read r/# was not checked: mosquitto refuses a topic of more than 201 levels before the acl_file');
    const s = explain(acl, { username: null, access: 'subscribe', topic: `${deep(201)}/#` });
    expect(s.allowed).toBe(false);
    expect(s.text).toContain('mosquitto closes the connection on such a SUBSCRIBE, without a SUBACK');
    const r = explain(acl, { username: null, access: 'read', topic: `r/${deep(201)}` });
    expect(r.allowed).toBe(false);
    expect(r.text).toContain('No PUBLISH to this topic is ever accepted');
  });

  it('101 to 201 levels: mosquitto checks the rules; the step says the bundled broker closes the connection', () => {
    const r = explain(acl, { username: null, access: 'read', topic: `r/${deep(200)}` });
    expect(r.allowed).toBe(true);
    expect(r.text).toContain('the topic has 201 levels: mosquitto takes it, but the bundled broker (aedes) closes the connection on more than 100');
    const w = explain(acl, { username: null, access: 'write', topic: deep(201) });
    expect(w.allowed).toBe(false);
    expect(w.text).toContain('No rule grants write access');
    expect(explain(acl, { username: null, access: 'write', topic: deep(100) }).text).not.toContain('levels');
  });
});

describe('acl explain agrees with mosquitto 2.0.11 on deep topics', () => {
  let broker: RunningMosquitto;
  beforeAll(async () => { broker = await startAclMosquitto(ACL); }, 20000);
  afterAll(async () => { await broker?.close(); });

  it('a denied write of 201 levels is acknowledged; one of 202 levels closes the connection', async () => {
    for (const [n, closed] of [[201, false], [202, true]] as const) {
      expect(explain(acl, { username: null, access: 'write', topic: deep(n) }).text.includes('mosquitto closes the connection')).toBe(closed);
      const c = await RawClient.open(broker.port, { clientId: `deep${n}` });
      try {
        expect(await c.connack()).toBe(0);
        const wire = await c.publish(deep(n), 'x', 1).then(() => false, () => true);
        expect(wire, `${n} levels closed on the wire`).toBe(closed);
      } finally {
        c.destroy();
      }
    }
  });
});
