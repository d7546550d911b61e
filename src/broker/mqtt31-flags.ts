// MQTT 3.1 ("MQIsdp", level 3) clients and reserved flag bits. mosquitto 2.0.11 checks the
// fixed-header flags of PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, UNSUBSCRIBE, PINGREQ and
// DISCONNECT, and the CONNECT's reserved flag (bit 0), only for MQTT 3.1.1 and 5: a 3.1
// client's SUBSCRIBE with flags 0 gets its SUBACK, a DISCONNECT 0xE1 is a normal disconnect
// (no will). The bundled broker's parser (mqtt-packet) refuses all of those for every level,
// before any aedes hook sees the packet, so for a 3.1 connection the bytes are given the
// flags mqtt-packet requires as they reach it. MQTT 3.1.1 and 5 connections are left alone
// (and stop being scanned after their CONNECT).

/** Types a client sends whose flags mosquitto ignores under MQTT 3.1 → the flags mqtt-packet requires. */
const REQUIRED_FLAGS: ReadonlyMap<number, number> = new Map([
  [4, 0], // PUBACK
  [5, 0], // PUBREC
  [6, 2], // PUBREL
  [7, 0], // PUBCOMP
  [8, 2], // SUBSCRIBE
  [10, 2], // UNSUBSCRIBE
  [12, 0], // PINGREQ
  [14, 0], // DISCONNECT
]);

/** The first bytes of an MQTT 3.1 CONNECT's variable header: protocol name "MQIsdp" (with its length). */
const MQISDP = [0x00, 0x06, 0x4d, 0x51, 0x49, 0x73, 0x64, 0x70];

/**
 * Follows the packets of one client connection byte by byte (chunks may split them anywhere)
 * and, once its CONNECT says MQTT 3.1, rewrites the reserved bits mosquitto ignores there.
 */
export class Mqtt31Flags {
  private state: 'header' | 'length' | 'body' = 'header';
  private remaining = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  /** Inside the first packet (the CONNECT). */
  private first = true;
  /** The first bytes of the CONNECT's variable header, up to the connect flags. */
  private readonly head: number[] = [];
  private v31 = false;
  /** Nothing more to do: not MQTT 3.1, or a framing this scanner cannot follow. */
  done = false;

  /** Rewrites `buf` in place where needed and returns it. */
  feed(buf: Buffer): Buffer {
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.state === 'header') {
        if (!this.first) {
          const type = buf[i]! >> 4;
          const flags = REQUIRED_FLAGS.get(type);
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
            if (!this.v31) this.done = true;
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
    if (this.first) {
      this.first = false;
      if (!this.v31) this.done = true; // a CONNECT too short to say
    }
  }
}
