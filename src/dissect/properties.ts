// MQTT 5 property block [MQTT 5.0 §2.2.2]: Property Length (varint) then
// identifier/value pairs. Values land in a plain object keyed by snake_case
// name: integers as numbers, strings as strings, binary data as lower-case hex
// strings, user_property as an array of [key, value] pairs, and a repeated
// subscription_identifier (PUBLISH) as an array of numbers.
import type { Field, Note } from '../model/types.js';
import { packetTypeName } from '../protocol/packet-types.js';
import { PROPERTY_BY_ID, propertyAllowed, propertySection, WILL_PLACE, type PropertyInfo } from '../protocol/properties.js';
import { NOTE_DEFS, type NoteDef } from '../protocol/spec-refs.js';
import { decodeUtf8, hexByte, hexOf, utf8Status, UTF8_INVALID, UTF8_NUL, UTF8_WILDCARD, quote } from './utf8.js';
import { binaryField, type Walker } from './walker.js';

export { WILL_PLACE };

/**
 * A property block may hold millions of properties (a 13 MiB PUBLISH holds 2M
 * User Properties). The first PROPERTIES_ITEMISED are fields of the tree; the
 * rest are walked and checked without fields and summed up in one field and one
 * `properties-not-itemised` note. The properties object keeps at most
 * REPEATS_KEPT User Properties (and Subscription Identifiers); every other
 * property keeps its last value as before.
 */
export const PROPERTIES_ITEMISED = 1000;
export const REPEATS_KEPT = 1000;
/** Notes the properties past the cap may add before the rest are only counted. */
const TAIL_NOTES = 100;

/** Info: the properties past PROPERTIES_ITEMISED (not in the protocol table: no spec reference). */
export const NOT_ITEMISED: NoteDef = {
  code: 'properties-not-itemised', severity: 'info',
  summary: 'a property block with more than 1,000 properties: the rest are checked but not itemised',
};

/** The spec's name of each value type [MQTT 5.0 §1.5, Table 2-4]. */
const TYPE_NAMES: Readonly<Record<PropertyInfo['type'], string>> = {
  'byte': 'Byte', 'two-byte-int': 'Two Byte Integer', 'four-byte-int': 'Four Byte Integer', 'varint': 'Variable Byte Integer',
  'utf8': 'UTF-8 Encoded String', 'binary': 'Binary Data', 'utf8-pair': 'UTF-8 String Pair',
};

function idDisplay(id: number, info: PropertyInfo): string {
  return `0x${hexByte(id)} (${info.specName}, ${TYPE_NAMES[info.type]})`;
}

function placeName(place: number): string {
  return place === WILL_PLACE ? 'the Will Properties of CONNECT' : packetTypeName(place);
}

/**
 * Where the property whose identifier is at `at` ends, from its own encoding,
 * or -1 when that cannot be told from the bytes before `end` (a length prefix
 * or varint cut off).
 */
function propertyEnd(b: Uint8Array, at: number, end: number, info: PropertyInfo): number {
  const p = at + 1;
  switch (info.type) {
    case 'byte': return p + 1;
    case 'two-byte-int': return p + 2;
    case 'four-byte-int': return p + 4;
    case 'varint': {
      for (let k = 0; k < 4; k++) {
        if (p + k >= end) return -1;
        if ((b[p + k]! & 0x80) === 0) return p + k + 1;
      }
      return p + 4; // too long: varint() reads 4 bytes and notes it
    }
    case 'utf8': case 'binary':
      return p + 2 > end ? -1 : p + 2 + ((b[p]! << 8) | b[p + 1]!);
    case 'utf8-pair': {
      if (p + 2 > end) return -1;
      const q = p + 2 + ((b[p]! << 8) | b[p + 1]!);
      return q + 2 > end ? -1 : q + 2 + ((b[q]! << 8) | b[q + 1]!);
    }
  }
}

/**
 * Read a property block at w.pos for `place` (packet type or WILL_PLACE).
 * Returns the properties object (possibly empty), or null when the block is missing/truncated.
 */
export function readProperties(w: Walker, place: number): Record<string, unknown> | null {
  const groupId = place === WILL_PLACE ? 'mqtt.will_properties' : 'mqtt.properties';
  const groupLabel = place === WILL_PLACE ? 'Will Properties' : 'Properties';
  let g: Field | null = null;
  if (w.tree) g = w.group(groupId, groupLabel);
  const out: Record<string, unknown> = {};
  const lenAt = w.pos;
  const len = w.varint('mqtt.property_len', 'Property Length', true);
  if (len < 0) {
    if (g) w.closeGroup(g, null, '(invalid)');
    return null;
  }
  let blockEnd = w.pos + len;
  if (blockEnd > w.end) {
    // The note belongs to the Property Length, which is what is wrong [MQTT 5.0 §2.2.2.1].
    w.note(NOTE_DEFS.truncated, `Property Length ${len} runs past the end of the packet (only ${w.end - w.pos} byte(s) follow it); the block is decoded up to the end of the packet`, lenAt, 'MQTT-2.2.2.1');
    w.truncated = true;
    blockEnd = w.end;
  }
  // Seen-property bitmap over ids 0..63 as two 32-bit words (no allocation).
  let seenLo = 0, seenHi = 0;
  // Per identifier: how many times it appears, and its one duplicate-property /
  // property-not-allowed note (allocated at the first such note).
  let times: number[] | null = null;
  let dupNotes: (Note | undefined)[] | null = null;
  let notAllowedSeen: boolean[] | null = null;
  let count = 0;
  let authDataAt = -1;
  // Past the cap: where the first property not itemised starts, its field and note.
  let tailAt = -1;
  let tailField: Field | null = null;
  let tailNote: Note | null = null;
  let tailNotesFrom = 0;
  const tree = w.tree;
  const mutedBefore = w.mutedNotes;
  const savedEnd = w.end;
  w.end = blockEnd;
  while (w.pos < blockEnd) {
    const at = w.pos;
    const id = w.b[at]!;
    const info = PROPERTY_BY_ID[id];
    if (count === PROPERTIES_ITEMISED && tailAt < 0) {
      tailAt = at;
      if (tree) {
        tailField = w.add('mqtt.property.not_itemised', 'Properties Not Itemised', at, 0, 0, '');
        w.tree = false;
      }
      w.noteAlways(NOT_ITEMISED, '', at);
      tailNote = w.notes[w.notes.length - 1]!;
      tailNotesFrom = w.notes.length;
    }
    if (info === undefined) {
      w.note(NOTE_DEFS.unknownProperty, `unknown property identifier 0x${hexByte(id)} at offset ${at}; the rest of the property block cannot be decoded`, at);
      if (w.tree) {
        const f = w.add('mqtt.property.unknown', 'Unknown Property', at, blockEnd - at, hexOf(w.b, at, blockEnd), `identifier 0x${hexByte(id)} (undecodable: ${hexOf(w.b, at, blockEnd)})`);
        w.open(f);
        w.add('mqtt.property_id', 'Property Identifier', at, 1, id, `0x${hexByte(id)} (unknown)`);
        if (blockEnd - at > 1) w.add('mqtt.property.undecoded', 'Undecoded', at + 1, blockEnd - at - 1, hexOf(w.b, at + 1, blockEnd), hexOf(w.b, at + 1, blockEnd));
        w.close();
      }
      w.pos = blockEnd;
      break;
    }
    count++;
    if (id === 0x16 && authDataAt < 0) authDataAt = at;
    const bit = id & 31;
    const seen = id < 32 ? (seenLo >>> bit) & 1 : (seenHi >>> bit) & 1;
    if (id < 32) seenLo |= 1 << bit; else seenHi |= 1 << bit;
    if (seen && !(info.repeatable && (id === 0x26 || place === 3))) {
      // One note per identifier, however often it repeats; its count is filled in below.
      times ??= new Array<number>(64).fill(1);
      dupNotes ??= new Array<Note | undefined>(64);
      times[id]!++;
      if (dupNotes[id] === undefined) {
        const wasMuted = w.muted;
        w.muted = false;
        // The property's own section says it may appear only once (e.g. MQTT-3.2.2.3.4 for Maximum QoS in CONNACK).
        w.note(NOTE_DEFS.duplicateProperty, `${info.specName} appears more than once in ${placeName(place)}; that is a Protocol Error`, at, propertySection(id, place));
        w.muted = wasMuted;
        dupNotes[id] = w.notes[w.notes.length - 1];
      }
    }
    if (!propertyAllowed(id, place) && !(notAllowedSeen?.[id] ?? false)) {
      (notAllowedSeen ??= new Array<boolean>(64).fill(false))[id] = true;
      const wasMuted = w.muted;
      w.muted = false;
      w.note(NOTE_DEFS.propertyNotAllowed, `${info.specName} (0x${hexByte(id)}) is not allowed in ${placeName(place)}`, at);
      w.muted = wasMuted;
    }
    // Past the cap, once the block's share of notes is given, the rest are counted.
    if (tailAt >= 0 && !w.muted && w.notes.length - tailNotesFrom >= TAIL_NOTES) w.muted = true;
    // A property that runs past the block: Property Length is too small, or the
    // property's own length is wrong. If it fits in the packet, trust it and carry
    // on after it; otherwise show the rest of the block undecoded and carry on
    // after the block.
    if (blockEnd < savedEnd) {
      const pEnd = propertyEnd(w.b, at, savedEnd, info);
      if (pEnd > blockEnd && pEnd <= savedEnd) {
        w.muted = false;
        w.note(NOTE_DEFS.propertyPastEnd, `${info.specName} (0x${hexByte(id)}) at offset ${at} runs ${pEnd - blockEnd} byte(s) past the end of the property block (Property Length ${len} ends it at offset ${blockEnd}); decoded in full, and decoding goes on after it`, at);
        blockEnd = pEnd;
        w.end = pEnd;
      } else if (pEnd < 0 || pEnd > blockEnd) {
        w.muted = false;
        w.note(NOTE_DEFS.propertyPastEnd, `${info.specName} (0x${hexByte(id)}) at offset ${at} runs past the end of the property block (Property Length ${len} ends it at offset ${blockEnd}) and past the end of the packet; the rest of the block is not decoded`, at);
        if (w.tree) {
          const f = w.add(`mqtt.property.${info.name}`, info.specName, at, blockEnd - at, hexOf(w.b, at, blockEnd), `(runs past the property block: ${hexOf(w.b, at, blockEnd)})`);
          w.open(f);
          w.add('mqtt.property_id', 'Property Identifier', at, 1, id, idDisplay(id, info));
          if (blockEnd - at > 1) w.add('mqtt.property.undecoded', 'Undecoded', at + 1, blockEnd - at - 1, hexOf(w.b, at + 1, blockEnd), hexOf(w.b, at + 1, blockEnd));
          w.close();
        }
        w.pos = blockEnd;
        break;
      }
    }
    w.pos++;
    let node: Field | null = null;
    if (w.tree) {
      node = w.add(`mqtt.property.${info.name}`, info.specName, at, 0, null, '');
      w.open(node);
      w.add('mqtt.property_id', 'Property Identifier', at, 1, id, idDisplay(id, info));
    }
    const v = readValue(w, info, place);
    if (node) {
      node.length = w.pos - at;
      w.close();
      if (v !== undefined) {
        if (info.type === 'utf8-pair') {
          const pair = v as [string, string];
          node.value = `${pair[0]}=${pair[1]}`;
          node.display = `${quote(pair[0])} = ${quote(pair[1])}`;
        } else {
          node.value = v as string | number;
          const last = node.children![node.children!.length - 1];
          node.display = last ? last.display : String(v);
        }
      } else {
        // Cut off by the end of the packet, or a Variable Byte Integer of more than
        // 4 bytes, which is malformed [MQTT 5.0 §1.5.5] (varint() does not truncate).
        node.display = w.truncated ? '(truncated)' : '(invalid: Variable Byte Integer longer than 4 bytes)';
      }
    }
    if (v === undefined) break;
    storeValue(out, info, v, place);
  }
  w.end = savedEnd;
  w.pos = blockEnd;
  w.tree = tree;
  w.muted = false;
  if (times !== null && dupNotes !== null) {
    for (let id = 0; id < 64; id++) {
      const n = dupNotes[id];
      if (n !== undefined && times[id]! > 2) n.text = `${PROPERTY_BY_ID[id]!.specName} appears ${times[id]} times in ${placeName(place)}; more than once is a Protocol Error`;
    }
  }
  if (tailNote !== null) {
    const more = count - PROPERTIES_ITEMISED;
    const bytes = blockEnd - tailAt;
    const what = `${more} more propert${more === 1 ? 'y' : 'ies'} (${bytes} byte${bytes === 1 ? '' : 's'}, offsets ${tailAt} to ${blockEnd - 1})`;
    const muted = w.mutedNotes - mutedBefore;
    tailNote.text = `${what} not itemised: only the first ${PROPERTIES_ITEMISED} properties of the block are fields, and the properties object keeps at most ${REPEATS_KEPT} User Properties and Subscription Identifiers; the rest are still checked (repeats, values, UTF-8)`
      + (muted > 0 ? `, and ${muted} further note(s) on them are not listed` : '');
    if (tailField !== null) {
      tailField.length = bytes;
      tailField.value = more;
      tailField.display = `${what} not itemised`;
    }
  }
  // CONNECT: Authentication Data needs an Authentication Method [MQTT 5.0 §3.1.2.11.10].
  if (place === 1 && authDataAt >= 0 && (seenLo & (1 << 0x15)) === 0) {
    w.note(NOTE_DEFS.authDataWithoutMethod, 'CONNECT has Authentication Data but no Authentication Method; that is a Protocol Error', authDataAt);
  }
  if (g) w.closeGroup(g, count, `${count} propert${count === 1 ? 'y' : 'ies'}, ${len} byte${len === 1 ? '' : 's'}`);
  return out;
}

function storeValue(out: Record<string, unknown>, info: PropertyInfo, v: unknown, place: number): void {
  const name = info.name;
  if (info.id === 0x26) {
    const arr = out[name] as [string, string][] | undefined;
    if (!arr) out[name] = [v];
    else if (arr.length < REPEATS_KEPT) arr.push(v as [string, string]);
    return;
  }
  if (info.id === 0x0b && place === 3 && out[name] !== undefined) {
    const prev = out[name];
    if (!Array.isArray(prev)) out[name] = [prev, v];
    else if (prev.length < REPEATS_KEPT) prev.push(v);
    return;
  }
  out[name] = v;
}

function valueRangeCheck(w: Walker, info: PropertyInfo, v: number, at: number, place: number): void {
  let allowed: string | null = null;
  switch (info.id) {
    // Flags and Maximum QoS: 0 or 1 only
    case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2a:
      if (v > 1) allowed = '0 or 1'; break;
    case 0x0b: if (v === 0) allowed = '1 to 268,435,455'; break; // Subscription Identifier
    case 0x21: case 0x23: case 0x27: if (v === 0) allowed = 'non-zero'; break; // Receive Maximum, Topic Alias, Maximum Packet Size
    default: break;
  }
  if (allowed === null) return;
  // A Topic Alias of 0 has its own statement [MQTT-3.3.2-8]; the others are Protocol Errors stated
  // in the property's own section (Receive Maximum in CONNACK: MQTT-3.2.2.3.3), or MQTT-2.2.2.2
  // when the property is not allowed in this packet at all.
  w.note(NOTE_DEFS.propertyValue, `${info.specName} has the value ${v}; it must be ${allowed}`, at, info.id === 0x23 ? 'MQTT-3.3.2-8' : propertySection(info.id, place));
}

function flag(v: number, off: string, on: string): string {
  return v === 0 ? `0 (${off})` : v === 1 ? `1 (${on})` : `${v} (invalid: must be 0 or 1)`;
}

/** Display of an integer property value: units for the intervals and sizes [MQTT 5.0 §3.1.2.11, §3.2.2.3, §3.3.2.3]. */
function intDisplay(id: number, v: number): string {
  switch (id) {
    case 0x11: // Session Expiry Interval
      return v === 0 ? '0 s (the session ends when the connection closes)' : v === 0xffffffff ? '4294967295 s (the session does not expire)' : `${v} s`;
    case 0x02: case 0x18: case 0x13: return `${v} s`; // Message Expiry, Will Delay, Server Keep Alive
    case 0x27: return v === 0 ? '0 bytes (invalid: must be non-zero)' : `${v} bytes`; // Maximum Packet Size
    case 0x01: return flag(v, 'unspecified bytes', 'UTF-8 encoded character data');
    // What the flags and limits mean [MQTT 5.0 §3.1.2.11, §3.2.2.3].
    case 0x17: return flag(v, 'Reason String and User Properties only on PUBLISH, CONNACK and DISCONNECT', 'Reason String and User Properties on any packet');
    case 0x19: return flag(v, 'no Response Information in CONNACK', 'Response Information in CONNACK is welcome');
    case 0x21: return v === 0 ? '0 (invalid: must be 1 to 65535)' : `${v} (at most ${v} QoS 1 and QoS 2 PUBLISH packets unacknowledged at once)`; // Receive Maximum
    case 0x22: return v === 0 ? '0 (no Topic Alias accepted)' : `${v} (Topic Aliases 1 to ${v} accepted)`; // Topic Alias Maximum
    case 0x24: return flag(v, 'QoS 0 only', 'QoS 0 and 1; no QoS 2'); // Maximum QoS
    case 0x25: return flag(v, 'retained messages not supported', 'retained messages supported');
    case 0x28: return flag(v, 'wildcard subscriptions not supported', 'wildcard subscriptions supported');
    case 0x29: return flag(v, 'Subscription Identifiers not supported', 'Subscription Identifiers supported');
    case 0x2a: return flag(v, 'shared subscriptions not supported', 'shared subscriptions supported');
    default: return String(v);
  }
}

/** Read one property value; undefined when truncated. Notes name the property. */
function readValue(w: Walker, info: PropertyInfo, place: number): unknown {
  const at = w.pos;
  const vid = `mqtt.property.${info.name}.value`;
  const what = info.specName;
  switch (info.type) {
    case 'byte': {
      if (!w.need(1, vid, 'Value', what)) return undefined;
      const v = w.u8();
      if (w.tree) w.add(vid, 'Value', at, 1, v, intDisplay(info.id, v));
      valueRangeCheck(w, info, v, at, place);
      return v;
    }
    case 'two-byte-int': {
      if (!w.need(2, vid, 'Value', what)) return undefined;
      const v = w.u16();
      if (w.tree) w.add(vid, 'Value', at, 2, v, intDisplay(info.id, v));
      valueRangeCheck(w, info, v, at, place);
      return v;
    }
    case 'four-byte-int': {
      if (!w.need(4, vid, 'Value', what)) return undefined;
      const v = w.u32();
      if (w.tree) w.add(vid, 'Value', at, 4, v, intDisplay(info.id, v));
      valueRangeCheck(w, info, v, at, place);
      return v;
    }
    case 'varint': {
      const v = w.varint(vid, 'Value', true, what);
      if (v < 0) return undefined;
      valueRangeCheck(w, info, v, at, place);
      return v;
    }
    case 'utf8': {
      const v = w.str(`mqtt.property.${info.name}.len`, vid, 'Value', what);
      if (v === null) return undefined;
      // The Response Topic is a Topic Name: no wildcards. PUBLISH states it [MQTT-3.3.2-14];
      // the Will Properties (§3.1.3.2.6) do not, so there the Topic Name rule [MQTT-4.7.0-1].
      if (info.id === 0x08 && (w.strStatus & UTF8_WILDCARD) !== 0) {
        w.note(NOTE_DEFS.wildcardTopic, `Response Topic ${quote(v)} contains a wildcard character (+ or #)`, at + 2,
          place === WILL_PLACE ? 'MQTT-4.7.0-1' : 'MQTT-3.3.2-14');
      }
      // ... and at least one character long [MQTT-4.7.3-1].
      if (info.id === 0x08 && v.length === 0) {
        w.note(NOTE_DEFS.emptyTopic, 'Response Topic is empty; it is a Topic Name, which must be at least one character long', at, 'MQTT-4.7.3-1');
      }
      return v;
    }
    case 'binary': {
      const start = w.bin(`mqtt.property.${info.name}.len`, vid, 'Value', what);
      return start < 0 ? undefined : hexOf(w.b, start, w.pos);
    }
    case 'utf8-pair': {
      const k = w.str('mqtt.property.user_property.key_len', 'mqtt.property.user_property.key', 'Key', `${what} key`);
      if (k === null) return undefined;
      const v = w.str('mqtt.property.user_property.value_len', 'mqtt.property.user_property.value', 'Value', `${what} value`);
      if (v === null) return undefined;
      return [k, v];
    }
  }
}

// Re-exported for packet modules that decode strings without fields.
export { decodeUtf8, utf8Status, UTF8_INVALID, UTF8_NUL, binaryField };
