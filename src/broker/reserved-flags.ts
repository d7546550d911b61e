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

  /** Rewrites `buf` in place where needed and returns it. */
  feed(buf: Buffer): Buffer {
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.state === 'header') {
        if (!this.first) {
          const type = buf[i]! >> 4;
          const flags = (this.v31 ? MQTT31 : ANY_LEVEL).get(type);
          if (flags !== undefined) buf[i] = (type << 4) | flags;
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
        this.remaining += (b & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes++;
        if (b & 0x80) {
          if (this.lengthBytes >= 4) this.done = true; // malformed: the parser closes the connection
          continue;
        }
        this.state = 'body';
        if (this.remaining === 0) this.endPacket();
        continue;
      }
      const n = Math.min(this.remaining, buf.length - i);
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
    return buf;
  }

  private endPacket(): void {
    this.state = 'header';
    this.first = false;
  }
}
