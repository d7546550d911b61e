// MQTT 5 property block [MQTT 5.0 §2.2.2]: Property Length (varint) then
// identifier/value pairs. Values land in a plain object keyed by snake_case
// name: integers as numbers, strings as strings, binary data as lower-case hex
// strings, user_property as an array of [key, value] pairs, and a repeated
// subscription_identifier (PUBLISH) as an array of numbers.
import type { Field } from '../model/types.js';
import { packetTypeName } from '../protocol/packet-types.js';
import { PROPERTY_BY_ID, propertyAllowed, WILL_PLACE, type PropertyInfo } from '../protocol/properties.js';
import { NOTE_DEFS } from '../protocol/spec-refs.js';
import { decodeUtf8, hexByte, hexOf, utf8Status, UTF8_INVALID, UTF8_NUL, quote } from './utf8.js';
import { binaryField, type Walker } from './walker.js';

export { WILL_PLACE };

function placeName(place: number): string {
  return place === WILL_PLACE ? 'the Will Properties of CONNECT' : packetTypeName(place);
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
  const len = w.varint('mqtt.property_len', 'Property Length', true);
  if (len < 0) {
    if (g) w.closeGroup(g, null, '(invalid)');
    return null;
  }
  let blockEnd = w.pos + len;
  if (blockEnd > w.end) {
    w.note(NOTE_DEFS.truncated, `Property Length ${len} runs past the end of the packet (${w.end - w.pos} bytes remain)`, w.pos);
    w.truncated = true;
    blockEnd = w.end;
  }
  // Seen-property bitmap over ids 0..63 as two 32-bit words (no allocation).
  let seenLo = 0, seenHi = 0;
  let count = 0;
  const savedEnd = w.end;
  w.end = blockEnd;
  while (w.pos < blockEnd) {
    const at = w.pos;
    const id = w.b[at]!;
    const info = PROPERTY_BY_ID[id];
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
    const bit = id & 31;
    const seen = id < 32 ? (seenLo >>> bit) & 1 : (seenHi >>> bit) & 1;
    if (id < 32) seenLo |= 1 << bit; else seenHi |= 1 << bit;
    if (seen && !(info.repeatable && (id === 0x26 || place === 3))) {
      w.note(NOTE_DEFS.duplicateProperty, `${info.specName} appears more than once in ${placeName(place)}; that is a Protocol Error`, at);
    }
    if (!propertyAllowed(id, place)) {
      w.note(NOTE_DEFS.propertyNotAllowed, `${info.specName} (0x${hexByte(id)}) is not allowed in ${placeName(place)}`, at);
    }
    w.pos++;
    let node: Field | null = null;
    if (w.tree) {
      node = w.add(`mqtt.property.${info.name}`, info.specName, at, 0, null, '');
      w.open(node);
      w.add('mqtt.property_id', 'Property Identifier', at, 1, id, `0x${hexByte(id)} (${info.specName})`);
    }
    const v = readValue(w, info);
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
        node.display = '(truncated)';
      }
    }
    if (v === undefined) break;
    storeValue(out, info, v, place);
  }
  w.end = savedEnd;
  w.pos = blockEnd;
  if (g) w.closeGroup(g, count, `${count} propert${count === 1 ? 'y' : 'ies'}, ${len} byte${len === 1 ? '' : 's'}`);
  return out;
}

function storeValue(out: Record<string, unknown>, info: PropertyInfo, v: unknown, place: number): void {
  const name = info.name;
  if (info.id === 0x26) {
    const arr = out[name] as [string, string][] | undefined;
    if (arr) arr.push(v as [string, string]); else out[name] = [v];
    return;
  }
  if (info.id === 0x0b && place === 3 && out[name] !== undefined) {
    const prev = out[name];
    if (Array.isArray(prev)) prev.push(v); else out[name] = [prev, v];
    return;
  }
  out[name] = v;
}

function valueRangeCheck(w: Walker, info: PropertyInfo, v: number, at: number): void {
  let bad = false;
  switch (info.id) {
    case 0x01: case 0x17: case 0x19: case 0x25: case 0x28: case 0x29: case 0x2a:
      bad = v > 1; break;
    case 0x24: bad = v > 1; break; // Maximum QoS is 0 or 1
    case 0x0b: bad = v === 0; break;
    case 0x21: case 0x23: bad = v === 0; break; // Receive Maximum, Topic Alias
    case 0x27: bad = v === 0; break;
    default: break;
  }
  if (bad) w.note(NOTE_DEFS.propertyValue, `${info.specName} has the value ${v}, which is not allowed`, at);
}

/** Read one property value; undefined when truncated. */
function readValue(w: Walker, info: PropertyInfo): unknown {
  const at = w.pos;
  const vid = `mqtt.property.${info.name}.value`;
  switch (info.type) {
    case 'byte': {
      if (!w.need(1, vid, 'Value')) return undefined;
      const v = w.u8();
      if (w.tree) w.add(vid, 'Value', at, 1, v, String(v));
      valueRangeCheck(w, info, v, at);
      return v;
    }
    case 'two-byte-int': {
      if (!w.need(2, vid, 'Value')) return undefined;
      const v = w.u16();
      if (w.tree) w.add(vid, 'Value', at, 2, v, String(v));
      valueRangeCheck(w, info, v, at);
      return v;
    }
    case 'four-byte-int': {
      if (!w.need(4, vid, 'Value')) return undefined;
      const v = w.u32();
      if (w.tree) w.add(vid, 'Value', at, 4, v, String(v));
      valueRangeCheck(w, info, v, at);
      return v;
    }
    case 'varint': {
      const v = w.varint(vid, 'Value', true);
      if (v < 0) return undefined;
      valueRangeCheck(w, info, v, at);
      return v;
    }
    case 'utf8': {
      const v = w.str(`mqtt.property.${info.name}.len`, vid, 'Value');
      return v === null ? undefined : v;
    }
    case 'binary': {
      const start = w.bin(`mqtt.property.${info.name}.len`, vid, 'Value');
      return start < 0 ? undefined : hexOf(w.b, start, w.pos);
    }
    case 'utf8-pair': {
      const k = w.str('mqtt.property.user_property.key_len', 'mqtt.property.user_property.key', 'Key');
      if (k === null) return undefined;
      const v = w.str('mqtt.property.user_property.value_len', 'mqtt.property.user_property.value', 'Value');
      if (v === null) return undefined;
      return [k, v];
    }
  }
}

// Re-exported for packet modules that decode strings without fields.
export { decodeUtf8, utf8Status, UTF8_INVALID, UTF8_NUL, binaryField };
