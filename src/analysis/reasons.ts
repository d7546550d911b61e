// Names of reason / return codes in finding texts. The spec tables live in
// src/protocol; this adds the wording used by analysis.
import { reasonName } from '../protocol/reason-codes.js';

export const T_CONNACK = 2;
export const T_PUBACK = 4;
export const T_PUBREC = 5;
export const T_PUBCOMP = 7;
export const T_SUBACK = 9;
export const T_UNSUBACK = 11;
export const T_DISCONNECT = 14;

/** Spec name of a code, or a generic fallback. */
export function codeName(type: number, code: number, version: number): string {
  // 1-5 in a CONNACK to an MQTT 5 client: a 3.1.1-only broker's return code (connack-v311-format).
  if (type === T_CONNACK && version >= 5 && code >= 1 && code <= 5) return reasonName(type, code, 4) ?? 'unknown code';
  return reasonName(type, code, version)
    ?? (version >= 5 ? reasonName(type, code, 5) : undefined)
    ?? (code >= 0x80 ? 'unknown failure code' : 'unknown code');
}

/** `0x87` for MQTT 5 codes, the decimal return code for 3.1.1 CONNACK (`5`). */
export function codeString(type: number, code: number, version: number): string {
  if (type === T_CONNACK && (version < 5 || (code >= 1 && code <= 5))) return String(code);
  return `0x${code.toString(16).padStart(2, '0')}`;
}

/** Whether a code means failure: >= 0x80, or a non-zero 3.1.1 CONNACK. */
export function isFailure(type: number, code: number, version: number): boolean {
  if (version < 5 && type === T_CONNACK) return code !== 0;
  return code >= 0x80;
}
