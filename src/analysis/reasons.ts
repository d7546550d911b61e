// Names of reason / return codes in finding texts. The spec tables live in
// src/protocol; this adds the wording used by analysis.
import { namingVersion, reasonCodeString, reasonName } from '../protocol/reason-codes.js';

export const T_CONNACK = 2;
export const T_PUBACK = 4;
export const T_PUBREC = 5;
export const T_PUBCOMP = 7;
export const T_SUBACK = 9;
export const T_UNSUBACK = 11;
export const T_DISCONNECT = 14;

/** Spec name of a code, or a generic fallback. */
export function codeName(type: number, code: number, version: number): string {
  version = namingVersion(type, code, version);
  return reasonName(type, code, version)
    ?? (version >= 5 ? reasonName(type, code, 5) : undefined)
    ?? (code >= 0x80 ? 'unknown failure code' : 'unknown code');
}

/** `0x87` for MQTT 5 codes, the decimal return code for 3.1.1 CONNACK (`5`). */
export { reasonCodeString as codeString };

/** Whether a code means failure: >= 0x80, or a non-zero 3.1.1 CONNACK. */
export function isFailure(type: number, code: number, version: number): boolean {
  if (version < 5 && type === T_CONNACK) return code !== 0;
  return code >= 0x80;
}
