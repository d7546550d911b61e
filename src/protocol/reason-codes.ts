// Reason codes per packet type [MQTT 5.0 §2.4, Table 2-6] and the 3.1.1 return codes
// [MQTT 3.1.1 §3.2.2.3 Table 3.1, §3.9.3].

const CONNACK = 2, PUBACK = 4, PUBREC = 5, PUBREL = 6, PUBCOMP = 7, SUBACK = 9, UNSUBACK = 11, DISCONNECT = 14, AUTH = 15;

/** Packet types that carry reason codes in MQTT 5. */
export const REASON_CODE_PACKETS: readonly number[] = [CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH];

export interface ReasonCodeInfo {
  code: number;
  /** Spec name per packet type it is valid for. */
  names: Readonly<Record<number, string>>;
}

/** MQTT 5 reason codes: code → { packet type → spec name }. */
const V5: Record<number, Record<number, string>> = {};
function rc(code: number, name: string, types: number[]): void {
  const e = (V5[code] ??= {});
  for (const ty of types) e[ty] = name;
}
rc(0x00, 'Success', [CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, AUTH]);
rc(0x00, 'Normal disconnection', [DISCONNECT]);
rc(0x00, 'Granted QoS 0', [SUBACK]);
rc(0x01, 'Granted QoS 1', [SUBACK]);
rc(0x02, 'Granted QoS 2', [SUBACK]);
rc(0x04, 'Disconnect with Will Message', [DISCONNECT]);
rc(0x10, 'No matching subscribers', [PUBACK, PUBREC]);
rc(0x11, 'No subscription existed', [UNSUBACK]);
rc(0x18, 'Continue authentication', [AUTH]);
rc(0x19, 'Re-authenticate', [AUTH]);
rc(0x80, 'Unspecified error', [CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT]);
rc(0x81, 'Malformed Packet', [CONNACK, DISCONNECT]);
rc(0x82, 'Protocol Error', [CONNACK, DISCONNECT]);
rc(0x83, 'Implementation specific error', [CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT]);
rc(0x84, 'Unsupported Protocol Version', [CONNACK]);
rc(0x85, 'Client Identifier not valid', [CONNACK]);
rc(0x86, 'Bad User Name or Password', [CONNACK]);
rc(0x87, 'Not authorized', [CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT]);
rc(0x88, 'Server unavailable', [CONNACK]);
rc(0x89, 'Server busy', [CONNACK, DISCONNECT]);
rc(0x8a, 'Banned', [CONNACK]);
rc(0x8b, 'Server shutting down', [DISCONNECT]);
rc(0x8c, 'Bad authentication method', [CONNACK, DISCONNECT]);
rc(0x8d, 'Keep Alive timeout', [DISCONNECT]);
rc(0x8e, 'Session taken over', [DISCONNECT]);
rc(0x8f, 'Topic Filter invalid', [SUBACK, UNSUBACK, DISCONNECT]);
rc(0x90, 'Topic Name invalid', [CONNACK, PUBACK, PUBREC, DISCONNECT]);
rc(0x91, 'Packet Identifier in use', [PUBACK, PUBREC, SUBACK, UNSUBACK]);
rc(0x92, 'Packet Identifier not found', [PUBREL, PUBCOMP]);
rc(0x93, 'Receive Maximum exceeded', [DISCONNECT]);
rc(0x94, 'Topic Alias invalid', [DISCONNECT]);
rc(0x95, 'Packet too large', [CONNACK, DISCONNECT]);
rc(0x96, 'Message rate too high', [DISCONNECT]);
rc(0x97, 'Quota exceeded', [CONNACK, PUBACK, PUBREC, SUBACK, DISCONNECT]);
rc(0x98, 'Administrative action', [DISCONNECT]);
rc(0x99, 'Payload format invalid', [CONNACK, PUBACK, PUBREC, DISCONNECT]);
rc(0x9a, 'Retain not supported', [CONNACK, DISCONNECT]);
rc(0x9b, 'QoS not supported', [CONNACK, DISCONNECT]);
rc(0x9c, 'Use another server', [CONNACK, DISCONNECT]);
rc(0x9d, 'Server moved', [CONNACK, DISCONNECT]);
rc(0x9e, 'Shared Subscriptions not supported', [SUBACK, DISCONNECT]);
rc(0x9f, 'Connection rate exceeded', [CONNACK, DISCONNECT]);
rc(0xa0, 'Maximum connect time', [DISCONNECT]);
rc(0xa1, 'Subscription Identifiers not supported', [SUBACK, DISCONNECT]);
rc(0xa2, 'Wildcard Subscriptions not supported', [SUBACK, DISCONNECT]);

/** All MQTT 5 reason codes with their names per packet type. */
export const REASON_CODES_V5: readonly ReasonCodeInfo[] = Object.keys(V5)
  .map(Number)
  .sort((a, b) => a - b)
  .map((code) => ({ code, names: V5[code]! }));

/** MQTT 3.1 / 3.1.1 CONNACK return codes [MQTT 3.1.1 Table 3.1]. */
export const CONNACK_RETURN_CODES_V4: Readonly<Record<number, string>> = {
  0: 'Connection Accepted',
  1: 'Connection Refused, unacceptable protocol version',
  2: 'Connection Refused, identifier rejected',
  3: 'Connection Refused, Server unavailable',
  4: 'Connection Refused, bad user name or password',
  5: 'Connection Refused, not authorized',
};

/** MQTT 3.1.1 SUBACK return codes [MQTT-3.9.3-2]. 0x80 (Failure) is new in 3.1.1; 3.1 has only 0-2. */
export const SUBACK_RETURN_CODES_V4: Readonly<Record<number, string>> = {
  0x00: 'Success - Maximum QoS 0',
  0x01: 'Success - Maximum QoS 1',
  0x02: 'Success - Maximum QoS 2',
  0x80: 'Failure',
};

/**
 * Spec name of a reason/return code for a packet type and protocol version,
 * or undefined when the code is not valid there.
 */
export function reasonName(type: number, code: number, version: number): string | undefined {
  if (version >= 5) return V5[code]?.[type];
  if (type === CONNACK) return CONNACK_RETURN_CODES_V4[code];
  if (type === SUBACK) return version === 3 && code === 0x80 ? undefined : SUBACK_RETURN_CODES_V4[code];
  return undefined;
}

/**
 * The version whose table names `code` in a packet of `type`: a 3.1.1 return code (1-5)
 * in a CONNACK on an MQTT 5 connection is a 3.1.1-only broker refusing the CONNECT
 * (the dissector's connack-v311-format), so it is named, and written, as 3.1.1's.
 */
export function namingVersion(type: number, code: number, version: number): number {
  return type === CONNACK && version >= 5 && code >= 1 && code <= 5 ? 4 : version;
}

/** `0x87`, or the decimal return code of a 3.1/3.1.1 CONNACK (`5`). */
export function reasonCodeString(type: number, code: number, version: number): string {
  if (type === CONNACK && namingVersion(type, code, version) < 5) return String(code);
  return `0x${code.toString(16).padStart(2, '0')}`;
}

/** Whether the code is valid for the packet type in this version. */
export function reasonValid(type: number, code: number, version: number): boolean {
  return reasonName(type, code, version) !== undefined;
}

/** Codes valid for a packet type (ascending). */
export function reasonCodesFor(type: number, version: number): number[] {
  if (version >= 5) return REASON_CODES_V5.filter((r) => r.names[type] !== undefined).map((r) => r.code);
  if (type === CONNACK) return [0, 1, 2, 3, 4, 5];
  if (type === SUBACK) return version === 3 ? [0, 1, 2] : [0, 1, 2, 0x80];
  return [];
}

/** Whether a reason/return code means failure (>= 0x80 in MQTT 5; non-zero CONNACK or 0x80 SUBACK in 3.1.1). */
export function reasonIsFailure(type: number, code: number, version: number): boolean {
  if (version >= 5) return code >= 0x80;
  if (type === CONNACK) return code !== 0;
  return code >= 0x80;
}
