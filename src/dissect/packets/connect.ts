// CONNECT [MQTT 3.1 §3.1, 3.1.1 §3.1, 5.0 §3.1]. Self-describing: the protocol
// level byte decides how the rest is decoded.
import type { ConnectInfo, WillInfo } from '../../model/packet.js';
import type { ProtocolVersion } from '../../model/types.js';
import { protocolVersionName } from '../../protocol/packet-types.js';
import { NOTE_DEFS } from '../../protocol/spec-refs.js';
import { readProperties, WILL_PLACE } from '../properties.js';
import { hexByte, hexOf, quote, UTF8_WILDCARD } from '../utf8.js';
import type { Walker } from '../walker.js';
import { payloadFormatCheck } from './publish.js';

export function walkConnect(w: Walker): void {
  const s = w.s;
  const protocolName = w.str('mqtt.proto_len', 'mqtt.protoname', 'Protocol Name');
  if (protocolName === null) return;
  const lvAt = w.pos;
  // The spec's name, with Wireshark's ("Version") in brackets where it differs: 3.1.1
  // §3.1.2.2 "Protocol Level"; 3.1 and 5.0 §3.1.2.2 call the byte "Protocol Version".
  const lv = w.b[lvAt];
  const level = w.byteField('mqtt.ver', lv === 3 || lv === 5 ? 'Protocol Version' : 'Protocol Level (Version)', (v) => `${v} (MQTT ${protocolVersionName(v)})`);
  if (level < 0) return;
  if (protocolName !== 'MQTT' && protocolName !== 'MQIsdp') {
    w.note(NOTE_DEFS.unknownProtocolName, `protocol name ${quote(protocolName)} is neither "MQTT" (3.1.1, 5) nor "MQIsdp" (3.1)`, 2);
  }
  if (level === 3 || level === 4 || level === 5) {
    w.version = level as ProtocolVersion;
    if ((level === 3) !== (protocolName === 'MQIsdp') && (protocolName === 'MQTT' || protocolName === 'MQIsdp')) {
      w.note(NOTE_DEFS.unknownProtocolName, `protocol name ${quote(protocolName)} does not go with protocol level ${level} (expected ${level === 3 ? '"MQIsdp"' : '"MQTT"'})`, 2);
    }
  } else {
    w.note(NOTE_DEFS.unknownProtocolLevel, `protocol level ${level} is not 3 (3.1), 4 (3.1.1) or 5 (5.0); the rest is decoded as level ${w.version}`, lvAt);
  }
  const v5 = w.version === 5;
  const info: ConnectInfo = {
    protocolName, protocolLevel: level, cleanSession: false, keepAlive: 0, clientId: '', clientIdMissing: true,
    username: null, password: null, will: null,
  };
  s.connect = info;
  // Connect Flags [MQTT-3.1.2-3 ... -22]
  if (!w.need(1, 'mqtt.conflags', 'Connect Flags')) return;
  const fAt = w.pos;
  const fl = w.u8();
  const uname = (fl & 0x80) !== 0, passwd = (fl & 0x40) !== 0, willRetain = (fl & 0x20) !== 0;
  const willQos = (fl >> 3) & 3, willFlag = (fl & 0x04) !== 0, clean = (fl & 0x02) !== 0;
  info.cleanSession = clean;
  if (fl & 1) w.note(NOTE_DEFS.connectReserved, 'CONNECT flags reserved bit 0 is set; it must be 0', fAt);
  if (!willFlag) {
    // Will QoS [MQTT-3.1.2-13] (5.0: -11) and Will Retain [MQTT-3.1.2-15] (5.0: -13) must be 0.
    if (willQos !== 0) w.note(NOTE_DEFS.willFlags, `Will Flag is 0 but Will QoS is ${willQos}; it must be 0`, fAt);
    if (willRetain) w.note(NOTE_DEFS.willFlags, 'Will Flag is 0 but Will Retain is set; it must be 0', fAt, w.ref('MQTT-3.1.2-15', 'MQTT-3.1.2-13'));
  } else if (willQos === 3) {
    w.note(NOTE_DEFS.willFlags, 'Will QoS is 3; it must be 0, 1 or 2', fAt, w.ref('MQTT-3.1.2-14', 'MQTT-3.1.2-12'));
  }
  if (!v5 && passwd && !uname) w.note(NOTE_DEFS.passwordWithoutUser, 'Password Flag is set but User Name Flag is not', fAt);
  if (w.tree) {
    const f = w.add('mqtt.conflags', 'Connect Flags', fAt, 1, fl, `0x${hexByte(fl)}`);
    w.open(f);
    const bit = (x: boolean): string => (x ? '1 (set)' : '0 (not set)');
    w.add('mqtt.conflag.uname', 'User Name Flag', fAt, 1, uname ? 1 : 0, bit(uname), 0x80);
    w.add('mqtt.conflag.passwd', 'Password Flag', fAt, 1, passwd ? 1 : 0, bit(passwd), 0x40);
    w.add('mqtt.conflag.retain', 'Will Retain', fAt, 1, willRetain ? 1 : 0, bit(willRetain), 0x20);
    const wq = willFlag ? ['0 (At most once)', '1 (At least once)', '2 (Exactly once)', '3 (invalid)'][willQos]! : willQos ? `${willQos} (must be 0 without the Will Flag)` : '0';
    w.add('mqtt.conflag.qos', 'Will QoS', fAt, 1, willQos, wq, 0x18);
    w.add('mqtt.conflag.willflag', 'Will Flag', fAt, 1, willFlag ? 1 : 0, bit(willFlag), 0x04);
    w.add('mqtt.conflag.cleansess', v5 ? 'Clean Start' : 'Clean Session', fAt, 1, clean ? 1 : 0, bit(clean), 0x02);
    w.add('mqtt.conflag.reserved', 'Reserved', fAt, 1, fl & 1, fl & 1 ? '1 (must be 0)' : '0', 0x01);
    w.close();
  }
  const ka = w.u16Field('mqtt.kalive', 'Keep Alive', (x) => `${x} s${x === 0 ? ' (disabled)' : ''}`);
  if (ka < 0) return;
  info.keepAlive = ka;
  if (v5) {
    s.properties = readProperties(w, 1);
    if (s.properties === null) return;
  }
  // Payload: Client Identifier, Will Properties, Will Topic, Will Payload, User Name, Password
  const cidAt = w.pos;
  const cid = w.str('mqtt.clientid_len', 'mqtt.clientid', 'Client ID');
  if (cid === null) return;
  info.clientId = cid;
  info.clientIdMissing = false;
  if (w.version === 3) {
    // 3.1 §3.1 (Payload): the Client Identifier is 1 to 23 characters; a server may
    // refuse a longer one with CONNACK 0x02 Identifier Rejected (mosquitto 2.0.11 accepts
    // it). 3.1 has no empty ClientId.
    const n = cid.length > 23 ? [...cid].length : cid.length;
    if (n === 0 || n > 23) {
      w.note(NOTE_DEFS.clientIdLength31, n === 0
        ? 'Client ID is empty; MQTT 3.1 requires 1 to 23 characters (the empty ClientId came with 3.1.1)'
        : `Client ID is ${n} characters long; MQTT 3.1 allows at most 23 (a strict 3.1 server refuses it with CONNACK 0x02 Identifier Rejected; mosquitto 2.0.11 accepts it)`, cidAt);
    }
  } else if (!v5 && cid.length === 0 && !clean) {
    // 3.1.1: a zero-byte ClientId needs CleanSession 1 [MQTT-3.1.3-7]; MQTT 5 lets the Server assign one.
    w.note(NOTE_DEFS.emptyClientId, 'Client ID is empty (zero bytes) but CleanSession is 0; an empty ClientId requires CleanSession 1', cidAt);
  }
  if (willFlag) {
    // [MQTT-3.1.2-9] (both versions): the will's fields must be present.
    if (flaggedFieldMissing(w, v5 ? 'Will Flag is 1, so the Will Properties, Will Topic and Will Message must follow' : 'Will Flag is 1, so a Will Topic and a Will Message must follow', 'MQTT-3.1.2-9')) return;
    const will: WillInfo = { topic: '', payload: new Uint8Array(0), qos: willQos, retain: willRetain, properties: null };
    info.will = will;
    if (v5) {
      will.properties = readProperties(w, WILL_PLACE);
      if (will.properties === null) return;
    }
    const wtAt = w.pos + 2;
    const wt = w.str('mqtt.willtopic_len', 'mqtt.willtopic', 'Will Topic');
    if (wt === null) return;
    will.topic = wt;
    // The Will Topic is a Topic Name: at least one character [MQTT-4.7.3-1] (both versions).
    if (wt.length === 0) w.note(NOTE_DEFS.emptyTopic, 'Will Topic is empty; a Topic Name must be at least one character long', wtAt - 2, 'MQTT-4.7.3-1');
    // No wildcards in a Topic Name [MQTT-4.7.1-1] (5.0: [MQTT-4.7.0-1]).
    if (w.strStatus & UTF8_WILDCARD) {
      w.note(NOTE_DEFS.wildcardTopic, `Will Topic ${quote(wt)} contains a wildcard character (+ or #)`, wtAt, w.ref('MQTT-4.7.1-1', 'MQTT-4.7.0-1'));
    }
    const ws = w.bin('mqtt.willmsg_len', 'mqtt.willmsg', 'Will Message');
    if (ws < 0) return;
    will.payload = w.b.subarray(ws, w.pos);
    if (will.properties !== null && will.properties['payload_format_indicator'] === 1) {
      payloadFormatCheck(w, ws, w.pos, 'Will Message', 'MQTT-3.1.3.2.3', 'CONNACK');
    }
  }
  if (uname) {
    // [MQTT-3.1.2-19] (5.0: -17)
    if (flaggedFieldMissing(w, 'User Name Flag is 1, so a User Name must follow', w.ref('MQTT-3.1.2-19', 'MQTT-3.1.2-17'))) return;
    const u = w.str('mqtt.username_len', 'mqtt.username', 'User Name');
    if (u === null) return;
    info.username = u;
  }
  if (passwd) {
    // [MQTT-3.1.2-21] (5.0: -19)
    if (flaggedFieldMissing(w, 'Password Flag is 1, so a Password must follow', w.ref('MQTT-3.1.2-21', 'MQTT-3.1.2-19'))) return;
    const ps = w.bin('mqtt.passwd_len', 'mqtt.passwd', 'Password');
    if (ps < 0) return;
    info.password = w.b.subarray(ps, w.pos);
  }
  if (w.pos < w.end) {
    // Bytes after the last field the Connect Flags announce: most likely a Password
    // or User Name sent without its flag. Password Flag 0: no Password may be present
    // [MQTT-3.1.2-20] (5.0: -18); User Name Flag 0: no User Name [MQTT-3.1.2-18] (5.0: -16).
    const n = w.end - w.pos;
    const at = w.pos;
    let text = `${n} byte(s) left over after the last field of CONNECT (inside the Remaining Length)`;
    let spec: string | undefined;
    if (!passwd) {
      text += `; the Password Flag is 0, so no Password may follow${uname ? ' the User Name' : ''}`;
      spec = w.ref('MQTT-3.1.2-20', 'MQTT-3.1.2-18');
    } else if (!uname) {
      text += '; the User Name Flag is 0, so no User Name may be present (the field read as the Password may be a User Name)';
      spec = w.ref('MQTT-3.1.2-18', 'MQTT-3.1.2-16');
    }
    w.note(NOTE_DEFS.trailing, text, at, spec);
    if (w.tree) w.add('mqtt.trailing', 'Trailing Bytes', at, n, hexOf(w.b, at, w.end), hexOf(w.b, at, w.end));
    w.pos = w.end;
  }
}

/**
 * The packet ends right where a field the Connect Flags announce would start: say
 * which flag wants it and cite the flag's rule, rather than only that a length
 * field runs past the end [MQTT-2.1]. Returns true when it does (decoding stops).
 */
function flaggedFieldMissing(w: Walker, why: string, spec: string): boolean {
  // Bytes given that end before the Remaining Length: the field was sent but not seen (the ordinary note).
  if (w.pos < w.end || w.truncated || w.cutShort) return false;
  w.note(NOTE_DEFS.truncated, `the ${why}, but the packet ends at offset ${w.pos}`, w.pos, spec);
  w.truncated = true;
  return true;
}
