// Stable note codes the dissector emits, with their severity and spec references.
// Tests and docs/dissector.md are driven from this table.
//
// References name a numbered conformance statement (`MQTT-3.3.1-4`) or, where a
// rule has no number, its section (`MQTT-3.8.3.1`). `spec` is the MQTT 3.1.1
// reference (also used for 3.1, which has no numbered statements); `spec5` is the
// MQTT 5.0 one where the two differ.
import type { Severity } from '../model/types.js';

export interface NoteDef {
  code: string;
  severity: Severity;
  /** MQTT 3.1.1 reference (also used for 3.1), e.g. `MQTT-2.2.2-1`. */
  spec?: string;
  /** MQTT 5.0 reference when it differs from `spec`. */
  spec5?: string;
  summary: string;
}

function d(code: string, severity: Severity, spec: string | undefined, spec5: string | undefined, summary: string): NoteDef {
  const def: NoteDef = { code, severity, summary };
  if (spec !== undefined) def.spec = spec;
  if (spec5 !== undefined && spec5 !== spec) def.spec5 = spec5;
  return def;
}

/** The reference of a note for a protocol level (3, 4 or 5). */
export function specFor(def: NoteDef, version: number): string | undefined {
  return version >= 5 ? def.spec5 ?? def.spec : def.spec;
}

export const NOTE_DEFS = {
  reservedType: d('reserved-packet-type', 'error', 'MQTT-2.2.1', 'MQTT-2.1.2', 'packet type 0 is reserved and forbidden'),
  authNotV5: d('auth-not-v5', 'error', 'MQTT-2.2.1', undefined, 'AUTH (type 15) exists only in MQTT 5'),
  reservedFlags: d('reserved-flags', 'error', 'MQTT-2.2.2-1', 'MQTT-2.1.3-1', 'reserved fixed-header flag bits have the wrong value'),
  qos3: d('qos-3', 'error', 'MQTT-3.3.1-4', undefined, 'PUBLISH with both QoS bits set'),
  dupQos0: d('dup-on-qos0', 'error', 'MQTT-3.3.1-2', undefined, 'DUP set on a QoS 0 PUBLISH'),
  wildcardTopic: d('wildcard-in-topic', 'error', 'MQTT-3.3.2-2', undefined, 'wildcard character in a Topic Name (PUBLISH topic, Will Topic, Response Topic)'),
  emptyTopic: d('empty-topic', 'error', 'MQTT-4.7.3-1', 'MQTT-3.3.2.1', 'empty Topic Name without a Topic Alias'),
  invalidUtf8: d('invalid-utf8', 'error', 'MQTT-1.5.3-1', 'MQTT-1.5.4-1', 'ill-formed UTF-8 or a UTF-16 surrogate code point'),
  utf8Null: d('utf8-null', 'error', 'MQTT-1.5.3-2', 'MQTT-1.5.4-2', 'UTF-8 string contains U+0000'),
  utf8Discouraged: d('utf8-discouraged', 'warn', 'MQTT-1.5.3', 'MQTT-1.5.4', 'UTF-8 string contains a control character or a noncharacter (SHOULD NOT)'),
  lengthTooLong: d('remaining-length-too-long', 'error', 'MQTT-2.2.3', 'MQTT-1.5.5', 'variable byte integer longer than 4 bytes'),
  lengthNotMinimal: d('remaining-length-not-minimal', 'warn', 'MQTT-2.2.3', 'MQTT-1.5.5-1', 'variable byte integer not in its shortest encoding'),
  varintNotMinimal: d('varint-not-minimal', 'error', undefined, 'MQTT-1.5.5-1', 'variable byte integer not in its shortest encoding'),
  varintTooLong: d('varint-too-long', 'error', undefined, 'MQTT-1.5.5', 'variable byte integer longer than 4 bytes'),
  truncated: d('field-past-end', 'error', 'MQTT-2.1', undefined, 'a field runs past the end of the packet'),
  propertyPastEnd: d('property-past-end', 'error', undefined, 'MQTT-2.2.2.1', 'a property runs past the end of its property block (Property Length too small)'),
  lengthMismatch: d('remaining-length-mismatch', 'error', 'MQTT-2.2.3', 'MQTT-2.1.4', 'the bytes given do not match the Remaining Length'),
  trailing: d('trailing-bytes', 'error', 'MQTT-2.1', undefined, 'bytes left over inside the Remaining Length after the last field'),
  unknownProtocolName: d('unknown-protocol-name', 'error', 'MQTT-3.1.2-1', undefined, 'CONNECT protocol name is not MQTT / MQIsdp'),
  unknownProtocolLevel: d('unknown-protocol-level', 'error', 'MQTT-3.1.2-2', undefined, 'CONNECT protocol level is not 3, 4 or 5'),
  connectReserved: d('connect-reserved-flag', 'error', 'MQTT-3.1.2-3', undefined, 'CONNECT flags reserved bit set'),
  willFlags: d('will-flags', 'error', 'MQTT-3.1.2-13', 'MQTT-3.1.2-11', 'Will QoS/Retain set while the Will Flag is 0, or Will QoS 3'),
  passwordWithoutUser: d('password-without-username', 'error', 'MQTT-3.1.2-22', undefined, 'Password flag set without User Name flag (3.1.1)'),
  emptyClientId: d('empty-client-id', 'error', 'MQTT-3.1.3-7', undefined, 'zero-byte ClientId with CleanSession 0 (3.1.1)'),
  // MQTT 3.1 has no numbered statements: cited by its section, §3.1 CONNECT (Payload).
  clientIdLength31: d('client-id-length', 'error', 'MQTT-3.1', undefined, 'MQTT 3.1 ClientId empty or longer than 23 characters'),
  connackReserved: d('connack-reserved-flags', 'error', 'MQTT-3.2.2.1', 'MQTT-3.2.2-1', 'CONNACK acknowledge flags bits 7-1 set'),
  // A 3.1.1-only server answers an MQTT 5 CONNECT with its own CONNACK: 3.1.1's [MQTT-3.1.2-2] (return code 0x01, then close).
  connackV311Format: d('connack-v311-format', 'warn', undefined, 'MQTT-3.1.2-2', 'a CONNACK in the MQTT 3.1.1 format (no properties, a 3.1.1 return code) answering an MQTT 5 CONNECT: the server does not speak MQTT 5'),
  sessionPresentOnRefusal: d('session-present-on-refusal', 'error', 'MQTT-3.2.2-4', 'MQTT-3.2.2-6', 'CONNACK with Session Present 1 and a non-zero return/reason code'),
  unknownProperty: d('unknown-property', 'error', undefined, 'MQTT-2.2.2.2', 'property identifier not defined by MQTT 5'),
  duplicateProperty: d('duplicate-property', 'error', undefined, 'MQTT-2.2.2.2', 'property appears more than once'),
  propertyNotAllowed: d('property-not-allowed', 'error', undefined, 'MQTT-2.2.2.2', 'property not allowed in this packet'),
  propertyValue: d('property-value', 'error', undefined, 'MQTT-2.2.2.2', 'property value out of range'),
  authDataWithoutMethod: d('auth-data-without-method', 'error', undefined, 'MQTT-3.1.2.11.10', 'CONNECT Authentication Data without an Authentication Method'),
  authMethodMissing: d('auth-method-missing', 'error', undefined, 'MQTT-3.15.2.2.2', 'AUTH (other than the Remaining Length 0 form) without an Authentication Method'),
  payloadFormatInvalid: d('payload-format-invalid', 'error', undefined, 'MQTT-3.3.2.3.2', 'Payload Format Indicator 1 but the payload (or Will Message) is not well-formed UTF-8'),
  invalidReason: d('invalid-reason-code', 'error', undefined, 'MQTT-2.4', 'reason code not valid for this packet type'),
  packetIdZero: d('packet-id-zero', 'error', 'MQTT-2.3.1-1', 'MQTT-2.2.1-3', 'Packet Identifier 0 where a non-zero one is required'),
  noTopicFilters: d('no-topic-filters', 'error', 'MQTT-3.8.3-3', 'MQTT-3.8.3-2', 'SUBSCRIBE/UNSUBSCRIBE without any topic filter'),
  subscribeOptions: d('subscribe-options', 'error', 'MQTT-3.8.3-4', 'MQTT-3.8.3-5', 'requested QoS 3, Retain Handling 3 or reserved subscription option bits set'),
  noLocalShared: d('no-local-shared', 'error', undefined, 'MQTT-3.8.3-4', 'No Local set on a shared subscription (MQTT 5)'),
  emptyFilter: d('empty-topic-filter', 'error', 'MQTT-4.7.3-1', undefined, 'empty topic filter'),
  invalidFilter: d('invalid-topic-filter', 'error', 'MQTT-4.7.1-2', 'MQTT-4.7.1-1', '`#` not alone in the last level, or `+` not a whole level, in a topic filter'),
} as const satisfies Record<string, NoteDef>;

/** Per packet type: the statement that says which reason codes the sender must use (MQTT 5.0). */
const REASON_SPEC_V5: Readonly<Record<number, string>> = {
  2: 'MQTT-3.2.2-8', 4: 'MQTT-3.4.2-1', 5: 'MQTT-3.5.2-1', 6: 'MQTT-3.6.2-1', 7: 'MQTT-3.7.2-1',
  9: 'MQTT-3.9.3-2', 11: 'MQTT-3.11.3-2', 14: 'MQTT-3.14.2-1', 15: 'MQTT-3.15.2-1',
};

/**
 * Reference for an invalid reason/return code: the per-packet statement in 5.0;
 * in 3.1.1 [MQTT-3.2.2-6] (no CONNACK outside Table 3.1) or [MQTT-3.9.3-2] (SUBACK:
 * "other than 0x00, 0x01, 0x02 and 0x80 are reserved"). A 3.1 SUBACK is cited by its
 * own section, 3.1 §3.9 (Payload: granted QoS levels only): [MQTT-3.9.3-2] allows
 * the 0x80 that 3.1 does not have.
 */
export function invalidReasonSpec(type: number, version: number): string | undefined {
  if (version >= 5) return REASON_SPEC_V5[type] ?? NOTE_DEFS.invalidReason.spec5;
  if (type === 9) return version === 3 ? 'MQTT-3.9' : 'MQTT-3.9.3-2';
  return type === 2 ? 'MQTT-3.2.2-6' : undefined;
}

/**
 * Reference for Packet Identifier 0, by packet type. PUBLISH (QoS > 0), SUBSCRIBE and
 * UNSUBSCRIBE must carry a non-zero one: 3.1.1 [MQTT-2.3.1-1] (one statement for both
 * senders), 5.0 [MQTT-2.2.1-3] for what a Client sends (the NOTE_DEFS default, also used
 * when the direction is not known) and [MQTT-2.2.1-4] for a PUBLISH the Server sends. An acknowledgement must repeat the identifier
 * of the packet it answers, which cannot be 0: 3.1.1 "A PUBACK, PUBREC or PUBREL Packet
 * MUST contain the same Packet Identifier as the PUBLISH" [MQTT-2.3.1-6], PUBCOMP the
 * PUBREL's (§3.7.2, no number), SUBACK and UNSUBACK that of their SUBSCRIBE and
 * UNSUBSCRIBE [MQTT-2.3.1-7]; 5.0 [MQTT-2.2.1-5] (PUBACK to PUBCOMP) and [MQTT-2.2.1-6].
 */
export function packetIdZeroSpec(type: number, version: number, dir?: 'c2s' | 's2c'): string | undefined {
  const v5 = version >= 5;
  if (type === 3 && v5 && dir === 's2c') return 'MQTT-2.2.1-4';
  if (type >= 4 && type <= 7) return v5 ? 'MQTT-2.2.1-5' : type === 7 ? 'MQTT-3.7.2' : 'MQTT-2.3.1-6';
  if (type === 9 || type === 11) return v5 ? 'MQTT-2.2.1-6' : 'MQTT-2.3.1-7';
  return specFor(NOTE_DEFS.packetIdZero, version);
}

export type NoteKey = keyof typeof NOTE_DEFS;
