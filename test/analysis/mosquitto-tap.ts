// Real mosquitto, real sockets, and the bytes each client sends and receives fed to
// an Engine + Analyzer as they go (a tap at the client side, with real times): what
// the broker really did, and what the analysis makes of it. mosquitto missing is a
// failure (startTestMosquitto throws), never a skip.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt-packet';
import { parseAclFile } from '../../src/acl/index.js';
import { Analyzer, type AnalyzerOptions } from '../../src/analysis/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { Finding, OutputRecord, PacketRecord } from '../../src/model/packet.js';
import type { ConnMeta } from '../../src/model/types.js';
import { startTestMosquitto } from '../helpers/mosquitto.js';
import { startConfMosquitto } from '../broker/mosquitto-verdict.js';
import { startBroker } from '../../src/broker/broker.js';

/** The broker under the tap: a real mosquitto, or the bundled one. */
interface TapBroker { host: string; port: number; close(): Promise<void> }

const nowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Tap {
  readonly findings: Finding[] = [];
  readonly records: PacketRecord[] = [];
  readonly engine: Engine;
  readonly analyzer: Analyzer;
  private frame = 0;
  private readonly clients: TapClient[] = [];

  private constructor(readonly broker: TapBroker, private readonly dir: string, opts: AnalyzerOptions) {
    this.analyzer = new Analyzer((f) => this.findings.push(f), opts);
    this.engine = new Engine({
      onRecord: (r: OutputRecord) => { if (r.kind === 'packet') this.records.push(r); else this.findings.push(r); },
      observers: [this.analyzer],
    });
  }

  /** mosquitto (anonymous clients allowed, so any username is taken as given) with `acl` as its acl_file; the Analyzer gets the same file. */
  static async start(acl: string | null, opts: AnalyzerOptions = {}): Promise<Tap> {
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-tap-'));
    await chmod(dir, 0o755);
    let aclFile: string | undefined;
    if (acl !== null) {
      aclFile = join(dir, 'acl.txt');
      await writeFile(aclFile, acl, { mode: 0o644 });
    }
    const broker = await startTestMosquitto({ allowAnonymous: true, ...(aclFile ? { aclFile } : {}) });
    return new Tap(broker, dir, {
      brokerKind: 'mosquitto', ...(aclFile && acl !== null ? { acl: parseAclFile(acl, aclFile) } : {}), ...opts,
    });
  }

  /**
   * mosquitto on a free port of 127.0.0.1, anonymous clients allowed, with `extra` lines
   * added to its configuration (e.g. 'max_inflight_messages 3', 'max_packet_size 200');
   * the Analyzer gets broker kind 'mosquitto' and `opts`. A mosquitto that does not start
   * (a line it refuses) is an error that quotes its log.
   */
  static async startConf(extra: readonly string[], opts: AnalyzerOptions = {}): Promise<Tap> {
    const conf = ['listener PORT 127.0.0.1', 'allow_anonymous true', ...extra, ''].join('\n');
    const exitLog = { text: '' };
    const m = await startConfMosquitto(conf, {}, exitLog);
    if (m === null) throw new Error(`mosquitto did not start with the extra lines ${JSON.stringify(extra)}: ${exitLog.text.trim()}`);
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-tap-'));
    return new Tap({ host: '127.0.0.1', port: m.port, close: () => m.close() }, dir, { brokerKind: 'mosquitto', ...opts });
  }

  /** The bundled broker (aedes, anonymous clients allowed) with `acl` enforced; the Analyzer gets the same file, and broker kind 'aedes'. */
  static async startBundled(acl: string | null, opts: AnalyzerOptions = {}): Promise<Tap> {
    const dir = await mkdtemp(join(tmpdir(), 'mqttscope-tap-'));
    const aclFile = acl !== null ? parseAclFile(acl, join(dir, 'acl.txt')) : null;
    const b = await startBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true, acl: aclFile });
    return new Tap({ host: '127.0.0.1', port: b.port, close: () => b.close() }, dir, {
      brokerKind: 'aedes', ...(aclFile ? { acl: aclFile } : {}), ...opts,
    });
  }

  feed(meta: ConnMeta, dir: 'c2s' | 's2c', bytes: Uint8Array): void {
    this.engine.data(meta.id, dir, bytes, nowUs(), ++this.frame);
  }

  /** A client that has its CONNACK; `pipelined` packets are sent right after the CONNECT, before it [MQTT-3.1.4-5]. */
  async client(
    clientId: string, username: string, version: 4 | 5 = 4, pipelined: Record<string, unknown>[] = [], properties?: Record<string, unknown>,
    clean = true, will?: { topic: string; payload: string; properties?: Record<string, unknown> },
  ): Promise<TapClient> {
    const c = new TapClient(this, clientId, version);
    this.clients.push(c);
    await c.open();
    c.send({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clean, clientId, keepalive: 60, username, ...(properties ? { properties } : {}),
      ...(will ? { will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 0, retain: false, ...(will.properties ? { properties: will.properties } : {}) } } : {}),
    });
    for (const p of pipelined) c.send(p);
    await c.waitFor('connack');
    return c;
  }

  /** Close every client, end the input `afterMs` later (past the delivery window), stop mosquitto. */
  async end(afterMs: number): Promise<Finding[]> {
    for (const c of this.clients) c.close();
    await sleep(50);
    this.engine.end(nowUs() + afterMs * 1000);
    await this.broker.close();
    await rm(this.dir, { recursive: true, force: true });
    return this.findings;
  }
}

export class TapClient {
  readonly got: mqtt.Packet[] = [];
  meta!: ConnMeta;
  private sock!: Socket;
  private readonly parser: mqtt.Parser;

  constructor(private readonly tap: Tap, readonly clientId: string, readonly version: 4 | 5) {
    this.parser = mqtt.parser({ protocolVersion: version });
    this.parser.on('packet', (p) => this.got.push(p));
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const b = this.tap.broker;
      this.sock = connect(b.port, b.host, () => {
        const a = this.sock;
        this.meta = {
          id: `${a.localAddress}:${a.localPort}-${b.host}:${b.port}`,
          client: { host: a.localAddress!, port: a.localPort! }, server: { host: b.host, port: b.port }, transport: 'tcp',
        };
        this.tap.engine.open(this.meta, nowUs());
        resolve();
      });
      this.sock.once('error', reject);
      this.sock.on('data', (d: Buffer) => {
        this.tap.feed(this.meta, 's2c', new Uint8Array(d));
        this.parser.parse(d);
      });
    });
  }

  send(p: Record<string, unknown>): void {
    const bytes = mqtt.generate(p as unknown as mqtt.Packet, { protocolVersion: this.version });
    this.tap.feed(this.meta, 'c2s', new Uint8Array(bytes));
    this.sock.write(bytes);
  }

  /** Wait (at most 2 s) until a packet of this kind has come since `from` (an index into `got`). */
  async waitFor(cmd: string, from = 0): Promise<mqtt.Packet> {
    for (let i = 0; i < 200; i++) {
      const p = this.got.slice(from).find((x) => x.cmd === cmd);
      if (p) return p;
      await sleep(10);
    }
    throw new Error(`${this.clientId}: no ${cmd} from mosquitto`);
  }

  /** Payloads of the PUBLISHes mosquitto sent this client. */
  payloads(): string[] {
    return this.got.filter((p): p is mqtt.IPublishPacket => p.cmd === 'publish').map((p) => Buffer.from(p.payload).toString());
  }

  close(): void {
    if (this.sock.destroyed) return;
    this.sock.end();
    this.tap.engine.close(this.meta.id, nowUs(), 'fin', 'c2s');
  }

  /** Wait (at most 2 s) until the broker has closed the connection, and feed that close, by the broker, to the engine. */
  async closedByBroker(): Promise<void> {
    for (let i = 0; i < 200 && !this.sock.destroyed; i++) await sleep(10);
    if (!this.sock.destroyed) throw new Error(`${this.clientId}: mosquitto did not close the connection`);
    this.tap.engine.close(this.meta.id, nowUs(), 'fin', 's2c');
  }

  /** Drop the connection with a TCP reset (no DISCONNECT): the broker then owes the will. */
  reset(): void {
    if (this.sock.destroyed) return;
    this.sock.resetAndDestroy();
    this.tap.engine.close(this.meta.id, nowUs(), 'reset', 'c2s');
  }
}

/**
 * A QoS 2 flow cut after its PUBREC and finished on a resumed session: `s` (user us)
 * subscribes to 't' at `subQos`; 'pub' (user up, CleanSession 0) publishes QoS 2 id 5
 * to 't', gets PUBREC, loses its connection without DISCONNECT, reconnects (session
 * present asserted) and re-sends PUBREL, answered by PUBCOMP.
 */
export async function resumedPubrel(tap: Tap, subQos: 0 | 1 | 2): Promise<{ s: TapClient; p: TapClient; p2: TapClient }> {
  const s = await tap.client('s', 'us');
  s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 't', qos: subQos }] });
  await s.waitFor('suback');
  const p = await tap.client('pub', 'up', 4, [], undefined, false);
  p.send({ cmd: 'publish', topic: 't', payload: Buffer.from('m'), qos: 2, messageId: 5, retain: false, dup: false });
  await p.waitFor('pubrec');
  p.close(); // no DISCONNECT: the flow is cut awaiting PUBREL
  await sleep(100);
  const p2 = await tap.client('pub', 'up', 4, [], undefined, false);
  if ((p2.got[0] as { sessionPresent?: boolean } | undefined)?.sessionPresent !== true) throw new Error('the resumed CONNACK did not say session present');
  p2.send({ cmd: 'pubrel', messageId: 5 });
  await p2.waitFor('pubcomp');
  return { s, p, p2 };
}
