// Synthetic traffic run through a private Engine + Analyzer, so that V8 has
// compiled the hot paths (framing, summaries, sessions, flows, delivery
// correlation) before real traffic arrives. A freshly started proxy otherwise
// pays for that compilation, and for running cold code, during its first
// hundred thousand packets: on a 2-core machine that CPU comes off the broker's
// share (docs/proxy.md, "Warm-up"). Nothing here touches a clock or a timer:
// the caller runs step() in slices of its choosing (src/proxy/warm-up.ts).
import { Engine } from '../engine/engine.js';
import type { OutputRecord } from '../model/packet.js';
import type { ConnMeta, Endpoint } from '../model/types.js';
import { connId } from '../model/types.js';
import { encodeVarint } from '../protocol/varint.js';
import { Analyzer, type AnalyzerOptions } from './analyzer.js';

/** What a warm-up may copy from the real Analyzer's options (nothing that checks a password). */
export type WarmUpOptions = Pick<AnalyzerOptions, 'brokerKind' | 'keepRecords' | 'keepFlows' | 'acl'>;

/** Messages per QoS, version and pass (packet ids 1 to MESSAGES). */
const MESSAGES = 1500;
const PASSES = 2;
/** Messages per chunk of a burst (as a busy publisher's reads come), and the acks per chunk. */
const BURST = 100;
const ACKS = 10;

/**
 * One warm-up: PASSES times, an MQTT 3.1.1 and an MQTT 5 publisher and subscriber
 * pair exchange QoS 0, 1 and 2 messages (bursts of 100 packets a chunk and single
 * packets), retained ones, pings and a clean DISCONNECT, through a new Engine and
 * Analyzer each pass. Every record is dropped (or given to `sink`).
 */
export class WarmUp {
  private readonly it: Iterator<void>;
  private finished = false;

  /** `sink`: sees every record of the warm-up (tests check it is clean traffic); default: dropped. */
  constructor(private readonly opts: WarmUpOptions = {}, private readonly sink: (rec: OutputRecord) => void = () => {}) {
    this.it = this.run();
  }

  get done(): boolean {
    return this.finished;
  }

  /** Run the next step (about a thousand packets at most); false when none is left. Never throws. */
  step(): boolean {
    if (this.finished) return false;
    try {
      if (this.it.next().done === true) this.finished = true;
    } catch {
      // A warm-up only saves time later; a failure in it changes nothing that is shown.
      this.finished = true;
    }
    return !this.finished;
  }

  private *run(): Generator<void> {
    for (let pass = 0; pass < PASSES; pass++) {
      for (const version of [4, 5] as const) yield* this.pair(version, pass);
    }
  }

  /** A publisher and a subscriber of one version: QoS 0, 1 and 2, bursts and single packets. */
  private *pair(version: 4 | 5, pass: number): Generator<void> {
    const sink = this.sink;
    const engine = new Engine({ onRecord: sink, observers: [new Analyzer(sink, { ...this.opts, keepFlows: this.opts.keepFlows ?? 0 })] });
    const server: Endpoint = { host: '127.0.0.1', port: 1883 };
    const meta = (port: number): ConnMeta => {
      const client: Endpoint = { host: '127.0.0.1', port };
      return { id: connId(client, server), client, server, transport: 'tcp' };
    };
    const pub = meta(40000 + pass * 10 + version);
    const sub = meta(41000 + pass * 10 + version);
    // Microseconds, as the proxy's clock; 10 µs a chunk.
    let t = 1_700_000_000_000_000 + pass * 1_000_000_000;
    const data = (m: ConnMeta, dir: 'c2s' | 's2c', bytes: Uint8Array): void => {
      t += 10;
      engine.data(m.id, dir, bytes, t);
    };
    engine.open(pub, t);
    engine.open(sub, t);
    data(pub, 'c2s', connect(`warm-up-pub-${pass}`, version));
    data(pub, 's2c', connack(version));
    data(sub, 'c2s', connect(`warm-up-sub-${pass}`, version));
    data(sub, 's2c', connack(version));
    let sid = 1;
    for (const qos of [0, 1, 2] as const) {
      const topic = `warm-up/v${version}/q${qos}`;
      data(sub, 'c2s', subscribe(topic, qos, sid, version));
      data(sub, 's2c', suback(qos, sid, version));
      sid++;
      for (let i = 0; i < MESSAGES; i += BURST) {
        const burst: Uint8Array[] = [];
        const payloads: Uint8Array[] = [];
        for (let k = 0; k < BURST; k++) {
          // Distinct payloads, as real traffic mostly has (delivery matching compares them).
          const payload = new Uint8Array(64).fill(0x61);
          payload[0] = (i + k) & 0xff;
          payload[1] = ((i + k) >> 8) & 0xff;
          payloads.push(payload);
          burst.push(publish(topic, payload, qos, i + k + 1, version, k === 0 && i === 0));
        }
        data(pub, 'c2s', concat(burst));
        // The broker's answers and deliveries come in smaller reads; every other group one packet a chunk.
        for (let k = 0; k < BURST; k += ACKS) {
          const ids = Array.from({ length: ACKS }, (_, j) => i + k + j + 1);
          const single = (k / ACKS) % 2 === 1;
          const send = (m: ConnMeta, dir: 'c2s' | 's2c', packets: Uint8Array[]): void => {
            if (single) for (const p of packets) data(m, dir, p);
            else data(m, dir, concat(packets));
          };
          if (qos === 1) send(pub, 's2c', ids.map((x) => ack(4, x)));
          if (qos === 2) {
            send(pub, 's2c', ids.map((x) => ack(5, x)));
            send(pub, 'c2s', ids.map((x) => ack(6, x)));
            send(pub, 's2c', ids.map((x) => ack(7, x)));
          }
          send(sub, 's2c', ids.map((x) => publish(topic, payloads[x - 1 - i]!, qos, x, version, false)));
          if (qos === 1) send(sub, 'c2s', ids.map((x) => ack(4, x)));
          if (qos === 2) {
            send(sub, 'c2s', ids.map((x) => ack(5, x)));
            send(sub, 's2c', ids.map((x) => ack(6, x)));
            send(sub, 'c2s', ids.map((x) => ack(7, x)));
          }
        }
        data(pub, 'c2s', PINGREQ);
        data(pub, 's2c', PINGRESP);
        yield;
      }
    }
    data(pub, 'c2s', disconnect(version));
    data(sub, 'c2s', disconnect(version));
    t += 10;
    engine.close(pub.id, t, 'fin', 'c2s');
    engine.close(sub.id, t, 'fin', 'c2s');
    engine.end(t + 10_000_000);
  }
}


// ------------------------------------------------------------ packet builders

const PINGREQ = Uint8Array.of(0xc0, 0);
const PINGRESP = Uint8Array.of(0xd0, 0);

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = Buffer.allocUnsafe(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function str(s: string): Uint8Array {
  const b = Buffer.from(s, 'utf8');
  return concat([Uint8Array.of(b.length >> 8, b.length & 0xff), b]);
}

function packet(first: number, body: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(first), encodeVarint(body.length), body]);
}

function connect(clientId: string, version: 4 | 5): Uint8Array {
  // Clean session / clean start, keep alive 60 s; MQTT 5 with an empty property block.
  const flags = Uint8Array.of(version, 0x02, 0, 60);
  return packet(0x10, concat([str('MQTT'), flags, ...(version === 5 ? [Uint8Array.of(0)] : []), str(clientId)]));
}

function connack(version: 4 | 5): Uint8Array {
  return version === 5 ? Uint8Array.of(0x20, 3, 0, 0, 0) : Uint8Array.of(0x20, 2, 0, 0);
}

function subscribe(filter: string, qos: number, id: number, version: 4 | 5): Uint8Array {
  return packet(0x82, concat([Uint8Array.of(id >> 8, id & 0xff), ...(version === 5 ? [Uint8Array.of(0)] : []), str(filter), Uint8Array.of(qos)]));
}

function suback(qos: number, id: number, version: 4 | 5): Uint8Array {
  return version === 5 ? Uint8Array.of(0x90, 4, id >> 8, id & 0xff, 0, qos) : Uint8Array.of(0x90, 3, id >> 8, id & 0xff, qos);
}

function publish(topic: string, payload: Uint8Array, qos: number, id: number, version: 4 | 5, retain: boolean): Uint8Array {
  const parts = [str(topic)];
  if (qos > 0) parts.push(Uint8Array.of(id >> 8, id & 0xff));
  if (version === 5) parts.push(Uint8Array.of(0));
  parts.push(payload);
  return packet(0x30 | (qos << 1) | (retain ? 1 : 0), concat(parts));
}

function ack(type: 4 | 5 | 6 | 7, id: number): Uint8Array {
  return Uint8Array.of((type << 4) | (type === 6 ? 2 : 0), 2, id >> 8, id & 0xff);
}

function disconnect(version: 4 | 5): Uint8Array {
  return version === 5 ? Uint8Array.of(0xe0, 1, 0) : Uint8Array.of(0xe0, 0);
}
