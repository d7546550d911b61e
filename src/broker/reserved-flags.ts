// Reserved fixed-header flag bits mosquitto 2.0.11 does not check, so that a client that sets
// them works there (checked on the real broker, test/broker/reserved-flags-parity.test.ts):
// - under every protocol level, the flags of PUBACK, PUBREC, PUBCOMP and PINGREQ (0x4F is
//   taken as a PUBACK, 0xC1 answered with PINGRESP);
// - under MQTT 3.1 ("MQIsdp", level 3) also those of PUBREL, SUBSCRIBE, UNSUBSCRIBE and
//   DISCONNECT (a SUBSCRIBE with flags 0, as some old 3.1 clients send it, gets its SUBACK;
//   a DISCONNECT 0xE1 is a normal disconnect, without the will), and the CONNECT's
//   reserved flag (bit 0). mosquitto checks those for MQTT 3.1.1 and 5 only.
// The bundled broker's parser (mqtt-packet) refuses all of them before any aedes hook sees
// the packet, so the bytes are given the flags mqtt-packet requires as they reach it.
// PUBLISH flags carry the QoS, DUP and RETAIN and are never touched.
//
// It also drops the acknowledgements only a server sends that mosquitto 2.0.11 reads from a
// client and ignores (checked on the real broker, test/broker/client-acks-parity.test.ts), at
// every protocol level and whatever their flags: a PINGRESP of any length, a SUBACK with a
// non-zero packet identifier and at least one return code (any value), an UNSUBACK with a
// non-zero packet identifier (extra bytes allowed). aedes closes the connection on all of them.
// A shorter one, or packet identifier 0, reaches aedes as sent and closes the connection on
// both brokers.

/** Types whose flags mosquitto ignores whatever the level → the flags mqtt-packet requires. */
const ANY_LEVEL: ReadonlyMap<number, number> = new Map([
  [4, 0], // PUBACK
  [5, 0], // PUBREC
  [7, 0], // PUBCOMP
  [12, 0], // PINGREQ
]);

/** Under MQTT 3.1: those, and the types mosquitto checks for 3.1.1 and 5 only. */
const MQTT31: ReadonlyMap<number, number> = new Map([
  ...ANY_LEVEL,
  [6, 2], // PUBREL
  [8, 2], // SUBSCRIBE
  [10, 2], // UNSUBSCRIBE
  [14, 0], // DISCONNECT
]);

const SUBACK = 9;
const UNSUBACK = 11;
const PINGRESP = 13;

/** The first bytes of an MQTT 3.1 CONNECT's variable header: protocol name "MQIsdp" (with its length). */
const MQISDP = [0x00, 0x06, 0x4d, 0x51, 0x49, 0x73, 0x64, 0x70];

/**
 * Follows the packets of one client connection (chunks may split them anywhere) and rewrites
 * the reserved bits mosquitto ignores, by the protocol level its CONNECT gives.
 */
export class ReservedFlags {
  private state: 'header' | 'length' | 'body' = 'header';
  private remaining = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  /** Inside the first packet (the CONNECT). */
  private first = true;
  /** The first bytes of the CONNECT's variable header, up to the connect flags. */
  private readonly head: number[] = [];
  private v31 = false;
  /** Nothing more to do: a framing this scanner cannot follow (the parser closes the connection). */
  done = false;
  /** Client SUBACK, UNSUBACK and PINGRESP packets dropped so far (mosquitto ignores them). */
  dropped = 0;
  /** Type of a SUBACK/UNSUBACK/PINGRESP being looked at (its bytes are held back), or 0. */
  private ack = 0;
  /** The held bytes of that packet, until it is known to be dropped or passed on. */
  private held: number[] = [];
  /** Skipping the rest of a dropped packet. */
  private skipping = false;

  /**
   * Rewrites `buf` in place where needed and returns it, without the bytes of the packets
   * mosquitto ignores (held back across calls until each is known).
   */
  feed(buf: Buffer): Buffer {
    const out: Buffer[] = [];
    /** Start of the bytes of `buf` not yet given out or held. */
    let from = 0;
    const hold = (at: number): void => {
      if (at > from) out.push(buf.subarray(from, at));
      from = at;
    };
    /** The held packet goes to the parser as sent (it closes the connection there too). */
    const release = (): void => {
      out.push(Buffer.from(this.held));
      this.held = [];
      this.ack = 0;
    };
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.state === 'header') {
        if (!this.first) {
          const type = buf[i]! >> 4;
          const flags = (this.v31 ? MQTT31 : ANY_LEVEL).get(type);
          if (flags !== undefined) buf[i] = (type << 4) | flags;
          if (type === SUBACK || type === UNSUBACK || type === PINGRESP) {
            hold(i);
            this.ack = type;
            this.held = [buf[i]!];
            from = i + 1;
          }
        }
        this.state = 'length';
        this.remaining = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        i++;
        continue;
      }
      if (this.state === 'length') {
        const b = buf[i++]!;
        if (this.ack) {
          this.held.push(b);
          from = i;
        }
        this.remaining += (b & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes++;
        if (b & 0x80) {
          if (this.lengthBytes >= 4) {
            this.done = true; // malformed: the parser closes the connection
            if (this.ack) release();
          }
          continue;
        }
        this.state = 'body';
        if (this.ack) this.decide();
        if (this.ack && !this.skipping && this.remaining < (this.ack === SUBACK ? 3 : 2)) release();
        if (this.remaining === 0) this.endPacket();
        continue;
      }
      const n = Math.min(this.remaining, buf.length - i);
      if (this.ack && !this.skipping) {
        // The packet identifier decides: 0 closes the connection on mosquitto too.
        const take = Math.min(n, 2 - (this.held.length - 1 - this.lengthBytes));
        for (let k = 0; k < take; k++) this.held.push(buf[i + k]!);
        i += take;
        from = i;
        this.remaining -= take;
        if (this.held.length - 1 - this.lengthBytes === 2) {
          const id = (this.held[this.held.length - 2]! << 8) | this.held[this.held.length - 1]!;
          if (id === 0) release();
          else this.drop();
        }
        if (this.remaining === 0) this.endPacket();
        continue;
      }
      if (this.skipping) {
        i += n;
        from = i;
        this.remaining -= n;
        if (this.remaining === 0) this.endPacket();
        continue;
      }
      if (this.first) {
        for (let k = 0; k < n && this.head.length < 10; k++) {
          if (this.head.length === 9 && this.v31) buf[i + k]! &= 0xfe; // the reserved connect flag
          this.head.push(buf[i + k]!);
          if (this.head.length === 9) {
            this.v31 = MQISDP.every((v, j) => this.head[j] === v) && (this.head[8]! & 0x7f) === 3;
          }
        }
      }
      i += n;
      this.remaining -= n;
      if (this.remaining === 0) this.endPacket();
    }
    if (from === 0 && out.length === 0) return buf; // nothing held or dropped
    hold(buf.length); // (nothing left while a packet is held: its bytes are all in `held`)
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** A PINGRESP is dropped once its length is read, whatever follows. */
  private decide(): void {
    if (this.ack === PINGRESP) this.drop();
  }

  private drop(): void {
    this.held = [];
    this.ack = 0;
    this.skipping = true;
    this.dropped++;
  }

  private endPacket(): void {
    this.state = 'header';
    this.first = false;
    this.skipping = false;
  }
}
