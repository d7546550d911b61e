// What the views mask unless --show-secrets (docs/dissector.md "Secrets").
//
// Two kinds of field are secret:
//  1. Credentials, wherever they appear: the CONNECT Password (`mqtt.passwd`) and
//     MQTT 5 Authentication Data (property 0x16: the property node and its value).
//  2. Bytes the dissector could not decode, in a packet that can carry credentials
//     (CONNECT, CONNACK, AUTH, or a packet whose type cannot be told) or inside a
//     credential field: Undecoded, Trailing Bytes, an unknown property or the rest
//     of a property block, and a field cut short by the end of the packet or an
//     over-long variable byte integer (their display is their raw hex). A CONNECT
//     whose lengths or flags are wrong leaves its password in such bytes.
// Bytes decoded as a complete field keep that field's treatment: when wrong lengths
// make the dissector read a password as (say) a User Name, it is shown as one.
//
// This runs only when a tree is rendered; summarize() never comes here.
import type { Field } from '../model/types.js';
import { BinaryField } from './walker.js';

export const MASK = '********';

/** Ids of credential fields: masked (value, display and bytes) in every packet unless --show-secrets. */
export const SECRET_FIELD_IDS: ReadonlySet<string> = new Set([
  'mqtt.passwd',
  'mqtt.property.authentication_data',
  'mqtt.property.authentication_data.value',
]);

/** Ids of fields that hold bytes the dissector could not decode. */
export const UNDECODED_FIELD_IDS: ReadonlySet<string> = new Set([
  'mqtt.undecoded', 'mqtt.trailing', 'mqtt.property.unknown', 'mqtt.property.undecoded',
]);

/** Packet types that can carry credentials: CONNECT (Password, Authentication Data), CONNACK and AUTH (Authentication Data). */
export const CREDENTIAL_PACKET_TYPES: ReadonlySet<number> = new Set([1, 2, 15]);

/** Property names (summary `properties` objects) whose values are credentials. */
export const SECRET_PROPERTY_NAMES: ReadonlySet<string> = new Set(['authentication_data']);

// Displays of fields that could not be decoded, as the walker writes them (raw hex,
// or MASK once masked, so a masked copy is recognised too):
//   need():          `<hex> (truncated: 3 of 10 bytes)`
//   varint():        `<hex> (invalid: longer than 4 bytes)`
//   readProperties:  `(runs past the property block: <hex>)`, `identifier 0x00 (undecodable: <hex>)`
const CUT = /^(?:[0-9a-f]*|\*{8}) (\((?:truncated: \d+ of \d+ bytes|invalid: longer than 4 bytes)\))$/;
const PAST = /^(\(runs past the property block: |identifier 0x[0-9a-f]{2} \(undecodable: )(?:[0-9a-f]*|\*{8})\)$/;

/** Whether `f` holds bytes the dissector could not decode. */
export function isUndecodable(f: Field): boolean {
  if (UNDECODED_FIELD_IDS.has(f.id)) return true;
  // Complete binary values (payloads, passwords) never have those displays; do not
  // make a lazy field format its display just to ask.
  if (f.mask !== undefined || f instanceof BinaryField) return false;
  const d = f.display;
  return typeof d === 'string' && d.endsWith(')') && (CUT.test(d) || PAST.test(d));
}

/** The packet type a tree decodes, from its Header Flags field or the first byte; -1 when unknown. */
function packetType(fields: readonly Field[], bytes?: Uint8Array): number {
  const h = fields[0];
  if (h !== undefined && h.id === 'mqtt.hdrflags' && typeof h.value === 'number') return h.value >> 4;
  if (bytes !== undefined && bytes.length > 0) return bytes[0]! >> 4;
  return -1;
}

/**
 * Whether undecodable bytes of this packet are masked: it may carry credentials, or
 * its type is unknown. The reserved type 0 is as unknown as none: its bytes are
 * often a real packet framed from a wrong boundary (a CONNECT and its password).
 */
function undecodedAreSecret(fields: readonly Field[], bytes?: Uint8Array): boolean {
  const t = packetType(fields, bytes);
  return t <= 0 || CREDENTIAL_PACKET_TYPES.has(t);
}

/**
 * Call `fn` for every field with whether it is secret. `bytes` (the packet) tells the
 * type when the tree has no Header Flags field (a dissector error): without either,
 * undecodable bytes are treated as secret.
 */
export function visitSecrets(fields: readonly Field[], fn: (f: Field, secret: boolean) => void, bytes?: Uint8Array): void {
  const walk = (fs: readonly Field[], undecodedSecret: boolean): void => {
    for (const f of fs) {
      const secret = SECRET_FIELD_IDS.has(f.id) || (undecodedSecret && isUndecodable(f));
      fn(f, secret);
      if (f.children) walk(f.children, undecodedSecret || secret);
    }
  };
  walk(fields, undecodedAreSecret(fields, bytes));
}

/** The display of a secret field: MASK, keeping what a cut-off or undecodable field says about itself. */
export function maskedDisplay(display: string): string {
  let m = CUT.exec(display);
  if (m) return `${MASK} ${m[1]}`;
  m = PAST.exec(display);
  if (m) return `${m[1]}${MASK})`;
  return MASK;
}

/** A plain-object copy of the tree with secret values and displays masked (lazy fields are resolved). */
export function maskSecrets(fields: Field[], bytes?: Uint8Array): Field[] {
  const secret = new Set<Field>();
  visitSecrets(fields, (f, s) => { if (s) secret.add(f); }, bytes);
  const copy = (fs: Field[]): Field[] => fs.map((f) => {
    const s = secret.has(f);
    const g: Field = {
      id: f.id, label: f.label, offset: f.offset, length: f.length,
      value: s ? MASK : f.value, display: s ? maskedDisplay(f.display) : f.display,
    };
    if (f.mask !== undefined) g.mask = f.mask;
    if (f.notes) g.notes = f.notes;
    if (f.children) g.children = copy(f.children);
    return g;
  });
  return copy(fields);
}

/**
 * Byte ranges [offset, offset + length) shown as `**` in hex (tree, hex and TUI hex pane):
 * those of the secret fields that have no byte children of their own (a secret
 * property node's identifier and length bytes stay visible; its value does not).
 * The same ranges come out of a tree and of its maskSecrets() copy.
 */
export function secretRanges(fields: Field[], bytes?: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const push = (s: number, e: number): void => {
    if (e <= s) return;
    const last = out[out.length - 1];
    if (last && last[1] === s) last[1] = e;
    else out.push([s, e]);
  };
  visitSecrets(fields, (f, s) => {
    if (!s || f.length === 0) return;
    // The bytes of a secret field that no byte child of it owns (the children,
    // secret or not, are visited on their own).
    let at = f.offset;
    for (const c of f.children ?? []) {
      if (c.mask !== undefined) continue;
      push(at, c.offset);
      at = Math.max(at, c.offset + c.length);
    }
    push(at, f.offset + f.length);
  }, bytes);
  out.sort((a, b) => a[0] - b[0]);
  return out;
}

/** Whether byte `i` lies in one of `ranges` (few: a password, a blob). */
export function inRanges(i: number, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  for (const r of ranges) if (i >= r[0] && i < r[1]) return true;
  return false;
}

/** A copy of a summary `properties` object with credential values masked (the object itself when none). */
export function maskProperties(p: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const k of SECRET_PROPERTY_NAMES) {
    if (p[k] === undefined) continue;
    out ??= { ...p };
    out[k] = MASK;
  }
  return out ?? p;
}
