// Fixed header [MQTT 3.1.1 §2.2, MQTT 5.0 §2.1]: byte 1 (type + flags) and the
// Remaining Length variable byte integer.
import { flagsSpecFor, hasDupQosIn31, packetTypeName, REQUIRED_FLAGS } from '../protocol/packet-types.js';
import { NOTE_DEFS, type NoteDef } from '../protocol/spec-refs.js';
import { varintBytesHex } from '../protocol/varint.js';
import { overlongEnd, varintByteFields, type Walker } from './walker.js';

const HDR_DISPLAY: string[] = Array.from({ length: 256 }, (_, b0) => `0x${b0.toString(16).padStart(2, '0')} (${packetTypeName(b0 >> 4)})`);
const TYPE_DISPLAY: string[] = Array.from({ length: 16 }, (_, t) => `${t} (${packetTypeName(t)})`);
const QOS_DISPLAY = ['0 (At most once)', '1 (At least once)', '2 (Exactly once)', '3 (invalid)'];
const BIT = ['0', '1'];
const NIBBLES: string[] = Array.from({ length: 16 }, (_, x) => x.toString(2).padStart(4, '0'));

/**
 * MQTT 5's non-minimal Remaining Length breaks a MUST [MQTT-1.5.5-1]: an error, as
 * varint-not-minimal is for its other Variable Byte Integers. 3.1/3.1.1 keep the table's
 * warning (they state no rule). Same code, so filters and docs name one note.
 */
const LENGTH_NOT_MINIMAL_V5: NoteDef = { ...NOTE_DEFS.lengthNotMinimal, severity: 'error' };

function nibble(x: number): string {
  return (x & 15).toString(2).padStart(4, '0');
}

/**
 * Walk the fixed header. Returns false when nothing after it can be decoded
 * (no length, or a length longer than 4 bytes).
 */
export function fixedHeader(w: Walker): boolean {
  const b = w.b;
  const s = w.s;
  if (b.length === 0) {
    w.note(NOTE_DEFS.truncated, 'empty packet: no fixed header', 0);
    return false;
  }
  const b0 = b[0]!;
  const type = b0 >> 4;
  const flags = b0 & 15;
  if (type === 3) {
    if (s.qos === 3) w.note(NOTE_DEFS.qos3, 'PUBLISH has both QoS bits set (QoS 3); that is a Malformed Packet', 0);
    if (s.dup && s.qos === 0) w.note(NOTE_DEFS.dupQos0, 'DUP flag is set on a QoS 0 PUBLISH; it must be 0', 0);
  } else {
    s.dup = false; s.qos = 0; s.retain = false;
    if (type === 15 && w.version < 5) {
      w.note(NOTE_DEFS.authNotV5, `AUTH (type 15) is only defined in MQTT 5, but this connection uses protocol level ${w.version}; decoded as MQTT 5`, 0);
      // From here on the packet is read, checked and cited as MQTT 5.
      w.version = 5;
    }
    const req = REQUIRED_FLAGS[type]!;
    if (type === 0) {
      w.note(NOTE_DEFS.reservedType, 'packet type 0 is reserved and must not be used', 0);
    } else if (w.version === 3 && hasDupQosIn31(type)) {
      // 3.1: QoS 1, DUP set on a retry, RETAIN unused (kept at 0 like the other unused bits).
      // Cited by the 3.1 section of the packet type (§3.6, §3.8, §3.10): 3.1.1's statements
      // ([MQTT-3.6.1-1] …) require 0010 and so forbid the 1010 that 3.1 allows.
      if ((flags & 0x07) !== 0x02) {
        w.note(NOTE_DEFS.reservedFlags, `${packetTypeName(type)} fixed-header flags are ${nibble(flags)}; in MQTT 3.1 they must be 0010 or 1010 (QoS 1, RETAIN 0, DUP set on a retry)`, 0, `MQTT-3.${type}`);
      }
    } else if (req >= 0 && flags !== req) {
      w.note(NOTE_DEFS.reservedFlags, `${packetTypeName(type)} fixed-header flags are ${nibble(flags)}; they must be ${nibble(req)}`, 0, flagsSpecFor(type, w.version));
    }
  }
  if (w.tree) {
    const f = w.add('mqtt.hdrflags', 'Header Flags', 0, 1, b0, HDR_DISPLAY[b0]!);
    w.open(f);
    w.add('mqtt.msgtype', 'Message Type', 0, 1, type, TYPE_DISPLAY[type]!, 0xf0);
    if (type === 3) {
      w.add('mqtt.dupflag', 'DUP', 0, 1, (b0 >> 3) & 1, BIT[(b0 >> 3) & 1]!, 0x08);
      const q = (b0 >> 1) & 3;
      w.add('mqtt.qos', 'QoS', 0, 1, q, QOS_DISPLAY[q]!, 0x06);
      w.add('mqtt.retain', 'RETAIN', 0, 1, b0 & 1, BIT[b0 & 1]!, 0x01);
    } else if (w.version === 3 && hasDupQosIn31(type)) {
      w.add('mqtt.dupflag', 'DUP', 0, 1, (b0 >> 3) & 1, BIT[(b0 >> 3) & 1]!, 0x08);
      const q = (b0 >> 1) & 3;
      w.add('mqtt.qos', 'QoS', 0, 1, q, q === 1 ? QOS_DISPLAY[1]! : `${q} (must be 1)`, 0x06);
      w.add('mqtt.hdrflags.reserved', 'Reserved', 0, 1, b0 & 1, b0 & 1 ? '1 (must be 0)' : '0', 0x01);
    } else {
      const req = REQUIRED_FLAGS[type]!;
      w.add('mqtt.hdrflags.reserved', 'Reserved', 0, 1, flags, req >= 0 && flags !== req ? `${nibble(flags)} (must be ${nibble(req)})` : NIBBLES[flags]!, 0x0f);
    }
    w.close();
  }
  // Remaining Length [MQTT-1.5.5]
  let v = 0, mul = 1, i = 1, last = -1, done = false;
  const n0 = b.length;
  for (let k = 0; k < 4 && i < n0; k++) {
    last = b[i++]!;
    v += (last & 0x7f) * mul;
    mul *= 128;
    if ((last & 0x80) === 0) { done = true; break; }
  }
  const n = i - 1;
  w.pos = i;
  if (!done) {
    if (n >= 4) {
      w.note(NOTE_DEFS.lengthTooLong, `Remaining Length ${varintBytesHex(b, 1, 5)} has its continuation bit set in the 4th byte; a valid length has at most 4 bytes`, 1);
    } else {
      w.note(NOTE_DEFS.truncated, n === 0 ? 'packet ends before the Remaining Length' : `Remaining Length ${varintBytesHex(b, 1, i)} is cut off by the end of the packet`, 1);
    }
    s.headerLength = i;
    if (w.tree && n > 0) {
      // A length of more than 4 bytes: its 5th and later bytes are shown as its own (as
      // tshark's Msg Len covers them), each saying it is one too many.
      const e = n >= 4 ? overlongEnd(b, i, n0) : i;
      const f = w.add('mqtt.len', 'Remaining Length', 1, e - 1, null, `${varintBytesHex(b, 1, e)} (invalid: ${n >= 4 ? 'longer than 4 bytes' : 'cut off'})`);
      w.open(f);
      varintByteFields(w, 'mqtt.len.byte', b, 1, e - 1);
      w.close();
    }
    return false;
  }
  s.remainingLength = v;
  s.headerLength = i;
  if (n > 1 && last === 0) {
    // 5.0 requires the shortest form [MQTT-1.5.5-1]. 3.1 and 3.1.1 (§2.2.3) state no rule on
    // it: their table of Remaining Length sizes (a non-normative comment) lists each value
    // under its shortest form only. So a warning there, and the note says what the spec says.
    const hexed = varintBytesHex(b, 1, i);
    if (w.version >= 5) {
      w.note(LENGTH_NOT_MINIMAL_V5, `Remaining Length ${v} is encoded in ${n} bytes (${hexed}); the shortest encoding must be used`, 1);
    } else {
      const min = v < 0x80 ? 1 : v < 0x4000 ? 2 : 3;
      w.note(NOTE_DEFS.lengthNotMinimal, `Remaining Length ${v} is encoded in ${n} bytes (${hexed}) where ${min} would do; MQTT ${w.version === 3 ? '3.1' : '3.1.1'} states no rule against this (its table of Remaining Length sizes lists each value in its shortest form only), MQTT 5 forbids it`, 1);
    }
  }
  if (w.tree) {
    const f = w.add('mqtt.len', 'Remaining Length', 1, n, v, `${v < 1000 ? v : v.toLocaleString('en-US')} (${n} byte${n === 1 ? '' : 's'})`);
    w.open(f);
    varintByteFields(w, 'mqtt.len.byte', b, 1, n);
    w.close();
  }
  const total = i + v;
  if (total < n0) {
    w.end = total; // extra bytes are reported as trailing by finish()
  } else if (total > n0) {
    // The note is about the Remaining Length: it sits there, not on whatever field happens to come first.
    const have = n0 - i;
    w.note(NOTE_DEFS.lengthMismatch, `Remaining Length says ${v} byte${v === 1 ? '' : 's'} follow${v === 1 ? 's' : ''} the fixed header but only ${have} ${have === 1 ? 'is' : 'are'} present`, 1);
    w.end = n0;
  }
  return true;
}
