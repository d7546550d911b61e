// A persistent session (clean session 0) resumed with CONNACK session present: both
// sides re-send their unacknowledged PUBRELs with the original packet ids
// [MQTT-4.4.0-1]. Such a PUBREL continues the QoS 2 flow that the previous connection
// left awaiting PUBREL or PUBCOMP: it is no ack for an unknown packet id.
import { afterAll, describe, expect, it } from 'vitest';
import { Scenario } from './helpers.js';
import { resumedPubrel, Tap } from './mosquitto-tap.js';

function cutQos2() {
  const sc = new Scenario({ brokerKind: 'mosquitto' });
  const a = sc.client('a').login({ clientId: 'dev', clean: false }).sub(1, [{ filter: 't', qos: 2 }]);
  const p = sc.client('p').login({ clientId: 'pub', clean: false });
  p.publish({ topic: 't', payload: 'm', qos: 2, id: 5 });
  p.ack('PUBREC', 5, 's2c'); // the publisher's flow awaits its PUBREL
  a.deliver({ topic: 't', payload: 'm', qos: 2, id: 9 });
  a.ack('PUBREC', 9, 'c2s'); // the broker's flow to a awaits its PUBREL
  sc.wait(5);
  a.close('reset');
  p.close('reset');
  sc.wait(500);
  return { sc, a, p };
}

const violations = (sc: Scenario) => sc.byCode('protocol-violation').map((f) => `${f.extra['violation']} ${f.extra['packet_type'] ?? ''} ${f.extra['packet_id']}`);

describe('QoS 2 flows resumed with a persistent session', () => {
  it('PUBRELs re-sent on reconnect (both directions) continue the flows: no unknown-ack, and the flows complete', () => {
    const { sc } = cutQos2();
    const a2 = sc.client('a2');
    a2.connect({ clientId: 'dev', clean: false });
    a2.connack(0, { sessionPresent: true });
    a2.ack('PUBREL', 9, 's2c');
    a2.ack('PUBCOMP', 9, 'c2s');
    const p2 = sc.client('p2');
    p2.connect({ clientId: 'pub', clean: false });
    p2.connack(0, { sessionPresent: true });
    p2.ack('PUBREL', 5, 'c2s');
    p2.ack('PUBCOMP', 5, 's2c');
    sc.end();
    expect(violations(sc)).toEqual([]);
    // The cut-short flows of the first connections are still said (the text says they should resume).
    expect(sc.codes()).toEqual(['qos-flow-incomplete', 'qos-flow-incomplete']);
    const resumed = sc.analyzer.snapshot().flows.recent.filter((f) => f.conn === a2.meta.id || f.conn === p2.meta.id);
    expect(resumed.map((f) => [f.packetId, f.state, f.steps.map((x) => x.type).join('>')])).toEqual([
      [9, 'complete', 'PUBREL>PUBCOMP'], [5, 'complete', 'PUBREL>PUBCOMP'],
    ]);
  });

  it('a PUBREL for a packet id the previous connection had not left awaiting it is still an unknown ack', () => {
    const { sc } = cutQos2();
    const p2 = sc.client('p2');
    p2.connect({ clientId: 'pub', clean: false });
    p2.connack(0, { sessionPresent: true });
    p2.ack('PUBREL', 6, 'c2s');
    sc.end();
    expect(violations(sc)).toEqual(['unknown-ack PUBREL 6']);
  });

  it('without session present (or with a clean session) a PUBREL with no flow is an unknown ack', () => {
    const { sc } = cutQos2();
    const p2 = sc.client('p2');
    p2.connect({ clientId: 'pub', clean: false });
    p2.connack(0, { sessionPresent: false });
    p2.ack('PUBREL', 5, 'c2s');
    const p3 = sc.client('p3');
    p3.connect({ clientId: 'pub', clean: true });
    p3.connack(0);
    p3.ack('PUBREL', 5, 'c2s');
    sc.end();
    expect(violations(sc)).toEqual(['unknown-ack PUBREL 5', 'unknown-ack PUBREL 5']);
  });

  it('the previous connection is not in the capture: a re-sent PUBREL on the resumed session is taken as resuming', () => {
    const sc = new Scenario();
    const p = sc.client('p');
    p.connect({ clientId: 'pub', clean: false });
    p.connack(0, { sessionPresent: true });
    p.ack('PUBREL', 77, 'c2s');
    p.ack('PUBCOMP', 77, 's2c');
    sc.end();
    expect(sc.codes()).toEqual([]);
  });

  it('a take-over: the connection taken over is not closed yet when the new one re-sends its PUBREL', () => {
    const sc = new Scenario();
    const p = sc.client('p').login({ clientId: 'pub', clean: false });
    p.publish({ topic: 't', payload: 'm', qos: 2, id: 3 });
    p.ack('PUBREC', 3, 's2c');
    const p2 = sc.client('p2');
    p2.connect({ clientId: 'pub', clean: false });
    p2.connack(0, { sessionPresent: true });
    p2.ack('PUBREL', 3, 'c2s');
    p2.ack('PUBCOMP', 3, 's2c');
    p.close();
    sc.end();
    expect(violations(sc)).toEqual([]);
  });
});

describe('against a real mosquitto 2', () => {
  let tap: Tap | null = null;
  afterAll(async () => { await tap?.broker.close(); });

  it('a publisher that lost its connection after PUBREC resumes with session present and re-sends its PUBREL: mosquitto answers PUBCOMP, no unknown-ack', async () => {
    tap = await Tap.start(null);
    const { s, p } = await resumedPubrel(tap, 0);
    await s.waitFor('publish'); // mosquitto released it at the re-sent PUBREL
    const findings = await tap.end(6000);
    tap = null;
    expect(findings.filter((f) => f.code === 'protocol-violation')).toEqual([]);
    expect(findings.filter((f) => f.code === 'qos-flow-incomplete').map((f) => f.conn)).toEqual([p.meta.id]);
  }, 20_000);
});
