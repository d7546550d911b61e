// A real mosquitto 2 stopped (SIGSTOP) for longer than the delivery window: a QoS 0
// publish sent meanwhile is reported undelivered when the window closes, and when the
// broker resumes (SIGCONT) it delivers it. The late copy gets a follow-up saying it was
// late, not dropped; and a PINGREQ left unanswered meanwhile makes the first finding say the
// broker looks stalled. mosquitto missing is a failure (requireBinary), never a skip.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt-packet';
import { afterAll, describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { Finding } from '../../src/model/packet.js';
import type { ConnMeta } from '../../src/model/types.js';
import { freePort, requireBinary } from '../helpers/peers.js';

const nowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let broker: ChildProcess | null = null;
let dir = '';
const socks: Socket[] = [];
afterAll(async () => {
  for (const s of socks) s.destroy();
  if (broker?.pid !== undefined && broker.exitCode === null) {
    process.kill(broker.pid, 'SIGCONT');
    broker.kill('SIGTERM');
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function waitUntil(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !ok(); i++) await sleep(10);
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}

describe('a mosquitto stopped past the delivery window', () => {
  it('the publish is reported undelivered, then its late delivery is reported as late, not dropped', async () => {
    const bin = requireBinary('mosquitto');
    const port = await freePort();
    dir = await mkdtemp(join(tmpdir(), 'mqttscope-late-'));
    const conf = join(dir, 'mosquitto.conf');
    await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
    broker = spawn(bin, ['-c', conf], { stdio: 'ignore' });
    const findings: Finding[] = [];
    const analyzer = new Analyzer((f) => findings.push(f), { brokerKind: 'mosquitto', deliveryWindowUs: 1_000_000 });
    const engine = new Engine({ onRecord: (r) => { if (r.kind === 'finding') findings.push(r); }, observers: [analyzer] });
    let frame = 0;

    async function client(id: string): Promise<{ send(p: Record<string, unknown>): void; got: mqtt.Packet[] }> {
      const got: mqtt.Packet[] = [];
      const parser = mqtt.parser({ protocolVersion: 4 });
      parser.on('packet', (p) => got.push(p));
      let sock!: Socket;
      for (let i = 0; ; i++) {
        try {
          sock = await new Promise<Socket>((res, rej) => { const s = connect(port, '127.0.0.1', () => res(s)); s.once('error', rej); });
          break;
        } catch (e) { if (i > 100) throw e; await sleep(20); } // mosquitto still starting
      }
      socks.push(sock);
      const meta: ConnMeta = {
        id: `127.0.0.1:${sock.localPort}-127.0.0.1:${port}`, client: { host: '127.0.0.1', port: sock.localPort! },
        server: { host: '127.0.0.1', port }, transport: 'tcp',
      };
      engine.open(meta, nowUs());
      sock.on('data', (d: Buffer) => { engine.data(meta.id, 's2c', new Uint8Array(d), nowUs(), ++frame); parser.parse(d); });
      const send = (p: Record<string, unknown>): void => {
        const b = mqtt.generate(p as unknown as mqtt.Packet, { protocolVersion: 4 });
        engine.data(meta.id, 'c2s', new Uint8Array(b), nowUs(), ++frame);
        sock.write(b);
      };
      send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: id, keepalive: 60 });
      await waitUntil(() => got.some((p) => p.cmd === 'connack'), `${id} CONNACK`);
      return { send, got };
    }

    const sub = await client('watcher');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'late/#', qos: 0 }] });
    await waitUntil(() => sub.got.some((p) => p.cmd === 'suback'), 'SUBACK');
    const pub = await client('frozen-pub');
    await sleep(300); // past the settle time after the grant

    process.kill(broker.pid!, 'SIGSTOP');
    pub.send({ cmd: 'publish', topic: 'late/x', payload: Buffer.from('hello'), qos: 0, retain: false });
    await sleep(100);
    sub.send({ cmd: 'pingreq' }); // left unanswered while the broker is stopped
    await sleep(1400);
    engine.tick(nowUs());
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['undelivered-publish', 'warn']]);
    expect(findings[0]!.text).toContain('The broker looks stalled rather than denying: it sent nothing on any connection since before this publish, and left the PINGREQ of client \'watcher\'');
    expect(findings[0]!.extra['broker_stalled']).toMatchObject({ request_type: 'PINGREQ' });

    process.kill(broker.pid!, 'SIGCONT');
    await waitUntil(() => sub.got.some((p) => p.cmd === 'publish'), 'the late delivery');
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['undelivered-publish', 'warn'], ['undelivered-publish', 'info']]);
    const late = findings[1]!;
    expect(late.clientId).toBe('watcher');
    expect(late.extra).toMatchObject({ late: true, reported_frame: findings[0]!.frames[0], window_us: 1_000_000 });
    expect(late.extra['delay_us'] as number).toBeGreaterThan(1_400_000);
    expect(late.text).toMatch(/^Late, not dropped: mosquitto delivered the QoS 0 publish from client 'frozen-pub' on 'late\/x'/);
  }, 20_000);
});
