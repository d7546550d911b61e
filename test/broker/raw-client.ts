// A byte-level MQTT 3.1.1 client for broker tests that must send what libraries
// refuse to (a password without a username, an empty username, invalid filters)
// and see exactly what the broker answers, or that it closed the connection.
import { connect as tcpConnect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { expect } from 'vitest';

export const str = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

export function frame(header: number, body: Buffer): Buffer {
  const len: number[] = [];
  let n = body.length;
  do {
    let d = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) d |= 0x80;
    len.push(d);
  } while (n > 0);
  return Buffer.concat([Buffer.from([header, ...len]), body]);
}

export interface ConnectFields {
  clientId: string;
  /** undefined = no username flag; '' = the flag with an empty string. */
  username?: string;
  password?: string;
  clean?: boolean;
  /** A Last Will (QoS 0, not retained unless said; QoS 3 to send the invalid value). */
  will?: { topic: string; payload: string; qos?: 0 | 1 | 2 | 3; retain?: boolean };
  /** 3: MQTT 3.1 ("MQIsdp", level 3); default 4 (MQTT 3.1.1). */
  level?: 3 | 4;
}

export class RawClient {
  readonly packets: Packet[] = [];
  closed = false;
  private waiters: Array<() => void> = [];
  private nextId = 1;

  private constructor(private readonly sock: Socket) {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p: Packet) => { this.packets.push(p); this.wake(); });
    sock.on('data', (d) => parser.parse(d));
    sock.on('close', () => { this.closed = true; this.wake(); });
    sock.on('error', () => { /* 'close' follows */ });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Open a TCP connection and send CONNECT (protocol level 4). */
  static async open(port: number, c: ConnectFields): Promise<RawClient> {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    const rc = new RawClient(sock);
    let flags = c.clean === false ? 0 : 0x02;
    let payload = str(c.clientId);
    if (c.will) {
      flags |= 0x04 | ((c.will.qos ?? 0) << 3) | (c.will.retain ? 0x20 : 0);
      payload = Buffer.concat([payload, str(c.will.topic), str(c.will.payload)]);
    }
    if (c.username !== undefined) { flags |= 0x80; payload = Buffer.concat([payload, str(c.username)]); }
    if (c.password !== undefined) { flags |= 0x40; payload = Buffer.concat([payload, str(c.password)]); }
    const vh = Buffer.concat([str(c.level === 3 ? 'MQIsdp' : 'MQTT'), Buffer.from([c.level ?? 4, flags, 0, 60])]);
    sock.write(frame(0x10, Buffer.concat([vh, payload])));
    return rc;
  }

  /** Wait until `pred` holds for the packets seen so far (or the socket closed, when `orClose`). */
  async waitFor<T>(pred: () => T | undefined, what: string, ms = 3000, orClose = false): Promise<T | 'closed'> {
    const end = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v !== undefined) return v;
      if (this.closed && orClose) return 'closed';
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** The CONNACK return code, or 'closed' if the broker closed the connection without one. */
  async connack(): Promise<number | 'closed'> {
    return this.waitFor(() => {
      const p = this.packets.find((x) => x.cmd === 'connack') as { returnCode?: number } | undefined;
      return p ? p.returnCode ?? 0 : undefined;
    }, 'CONNACK', 3000, true);
  }

  /** SUBSCRIBE; resolves to the granted codes, or 'closed'. */
  async subscribe(filters: string[], qos = 0): Promise<number[] | 'closed'> {
    const id = this.nextId++;
    const body = Buffer.concat([Buffer.from([id >> 8, id & 0xff]), ...filters.map((f) => Buffer.concat([str(f), Buffer.from([qos])]))]);
    this.sock.write(frame(0x82, body));
    return this.waitFor(() => {
      const p = this.packets.find((x) => x.cmd === 'suback' && x.messageId === id) as { granted?: number[] } | undefined;
      return p ? p.granted ?? [] : undefined;
    }, 'SUBACK', 3000, true);
  }

  /** UNSUBSCRIBE; resolves once the UNSUBACK arrives. */
  async unsubscribe(filters: string[]): Promise<void> {
    if (await this.unsubscribeOrClose(filters) === 'closed') throw new Error('connection closed while waiting for UNSUBACK');
  }

  /** UNSUBSCRIBE; resolves to 'unsuback', or 'closed' when the broker closed the connection instead. */
  async unsubscribeOrClose(filters: string[]): Promise<'unsuback' | 'closed'> {
    const id = this.nextId++;
    this.sock.write(frame(0xa2, Buffer.concat([Buffer.from([id >> 8, id & 0xff]), ...filters.map(str)])));
    return this.waitFor(() => (this.packets.some((x) => x.cmd === 'unsuback' && x.messageId === id) ? 'unsuback' as const : undefined), 'UNSUBACK', 3000, true);
  }

  /** PUBLISH; for QoS 1 waits for the PUBACK, for QoS 2 goes through PUBREC, PUBREL and PUBCOMP. */
  async publish(topic: string, payload: string, qos: 0 | 1 | 2 = 0, retain = false): Promise<void> {
    const id = this.nextId++;
    const pid = Buffer.from([id >> 8, id & 0xff]);
    const body = Buffer.concat([str(topic), qos ? pid : Buffer.alloc(0), Buffer.from(payload)]);
    this.sock.write(frame(0x30 | (qos << 1) | (retain ? 1 : 0), body));
    if (qos === 1) await this.waitFor(() => (this.packets.some((x) => x.cmd === 'puback' && x.messageId === id) ? true : undefined), 'PUBACK');
    if (qos === 2) {
      await this.waitFor(() => (this.packets.some((x) => x.cmd === 'pubrec' && x.messageId === id) ? true : undefined), 'PUBREC');
      this.sock.write(frame(0x62, pid));
      await this.waitFor(() => (this.packets.some((x) => x.cmd === 'pubcomp' && x.messageId === id) ? true : undefined), 'PUBCOMP');
    }
  }

  /**
   * Send a packet as given (fixed header byte, then the body) and report the
   * broker's answer: the first packet it sends after this, 'closed' when it closes
   * the connection without one, or 'none' when neither happens within `ms`.
   */
  async send(header: number, body: Buffer, ms = 500): Promise<string> {
    const seen = this.packets.length;
    this.sock.write(frame(header, body));
    try {
      const r = await this.waitFor(() => this.packets[seen]?.cmd, 'an answer', ms, true);
      return r;
    } catch {
      return 'none';
    }
  }

  /** Write bytes as given (several packets in one write reach the broker in one read). */
  write(bytes: Buffer): void {
    this.sock.write(bytes);
  }

  /** "topic payload" of every PUBLISH received, in order (QoS 1 ones are acknowledged). */
  messages(): string[] {
    return this.packets.filter((p) => p.cmd === 'publish').map((p) => {
      const pub = p as { topic: string; payload: Buffer };
      return `${pub.topic} ${pub.payload.toString()}`;
    });
  }

  /** Acknowledge every QoS 1 PUBLISH received so far (so the broker does not resend them). */
  ackAll(): void {
    for (const p of this.packets) {
      if (p.cmd === 'publish' && p.qos === 1 && p.messageId !== undefined && !(p as { acked?: boolean }).acked) {
        (p as { acked?: boolean }).acked = true;
        this.sock.write(frame(0x40, Buffer.from([p.messageId >> 8, p.messageId & 0xff])));
      }
    }
  }

  /**
   * Acknowledge what arrives until nothing more has come for `quietMs` (a reconnected
   * session's queued messages, released as they are acknowledged); then `messages()`.
   */
  async drain(quietMs = 300): Promise<string[]> {
    let last = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, quietMs));
      this.ackAll();
      if (this.messages().length === last) return this.messages();
      last = this.messages().length;
    }
  }

  /** DISCONNECT and wait for the close. */
  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.ackAll();
    this.sock.end(Buffer.from([0xe0, 0]));
    await this.waitFor(() => undefined, 'close', 3000, true).catch(() => this.sock.destroy());
  }

  destroy(): void {
    this.sock.destroy();
  }
}

/**
 * On the broker at `port`: a subscriber (client id "s") to `filter` at QoS 1, its CONNECT and
 * SUBSCRIBE accepted, and a publisher "p", its CONNECT accepted. Both are pushed on `clients`
 * for the caller to close.
 */
export async function subscriberAndPublisher(port: number, filter: string, clients: RawClient[], clean?: boolean): Promise<{ s: RawClient; p: RawClient }> {
  const s = await RawClient.open(port, { clientId: 's', ...(clean !== undefined ? { clean } : {}) });
  clients.push(s);
  expect(await s.connack()).toBe(0);
  expect(await s.subscribe([filter], 1)).toEqual([1]);
  const p = await RawClient.open(port, { clientId: 'p' });
  clients.push(p);
  expect(await p.connack()).toBe(0);
  return { s, p };
}
