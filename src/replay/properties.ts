// MQTT 5 property blocks of captured packets that replay re-encodes without some
// properties (credentials.ts: Authentication Method and Data of a CONNECT;
// topic-alias.ts: the Topic Alias of a PUBLISH).
import { propertyById } from '../protocol/properties.js';
import { decodeVarint } from '../protocol/varint.js';

/** Offset after the value of a property of `type` at `o` (-1 when it runs past `end`). */
function valueEnd(b: Uint8Array, o: number, end: number, type: string): number {
  const str = (at: number): number => (at + 2 <= end ? at + 2 + ((b[at]! << 8) | b[at + 1]!) : -1);
  let next: number;
  switch (type) {
    case 'byte': next = o + 1; break;
    case 'two-byte-int': next = o + 2; break;
    case 'four-byte-int': next = o + 4; break;
    case 'varint': {
      const v = decodeVarint(b, o, end);
      next = typeof v === 'object' ? v.next : -1;
      break;
    }
    case 'utf8': case 'binary': next = str(o); break;
    case 'utf8-pair': { const k = str(o); next = k < 0 ? -1 : str(k); break; }
    default: return -1;
  }
  return next >= 0 && next <= end ? next : -1;
}

export interface SplitProperties {
  /** The properties kept, in order, each with its identifier (slices of the packet). */
  kept: Uint8Array[];
  keptLength: number;
  /** How many properties `drop` took out. */
  dropped: number;
  /** Offset after the block. */
  blockEnd: number;
}

/**
 * The property block (Property Length, then properties) at `at`, split into the
 * properties kept and those `drop` says to leave out; null when the block does not
 * parse within `end` (an unknown identifier, a value past the block).
 */
export function splitProperties(b: Uint8Array, at: number, end: number, drop: (id: number) => boolean): SplitProperties | null {
  const len = decodeVarint(b, at, end);
  if (typeof len !== 'object') return null;
  const blockEnd = len.next + len.value;
  if (blockEnd > end) return null;
  const kept: Uint8Array[] = [];
  let keptLength = 0;
  let dropped = 0;
  for (let o = len.next; o < blockEnd;) {
    const id = decodeVarint(b, o, blockEnd);
    if (typeof id !== 'object') return null;
    const info = propertyById(id.value);
    if (!info) return null;
    const next = valueEnd(b, id.next, blockEnd, info.type);
    if (next < 0) return null;
    if (drop(id.value)) dropped++;
    else { kept.push(b.subarray(o, next)); keptLength += next - o; }
    o = next;
  }
  return { kept, keptLength, dropped, blockEnd };
}
