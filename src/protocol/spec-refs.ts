// Stable note codes the dissector emits, with their severity and spec reference.
// Tests and docs/dissector.md are driven from this table.
import type { Severity } from '../model/types.js';

export interface NoteDef {
  code: string;
  severity: Severity;
  /** Conformance statement or section, e.g. `MQTT-3.3.1-4`. */
  spec?: string;
  summary: string;
}

function d(code: string, severity: Severity, spec: string | undefined, summary: string): NoteDef {
  return spec === undefined ? { code, severity, summary } : { code, severity, spec, summary };
}

export const NOTE_DEFS = {
  reservedType: d('reserved-packet-type', 'error', 'MQTT-2.2.1', 'packet type 0 is reserved and forbidden'),
  authNotV5: d('auth-not-v5', 'error', 'MQTT-2.2.1', 'AUTH (type 15) exists only in MQTT 5'),
  reservedFlags: d('reserved-flags', 'error', 'MQTT-2.2.2-1', 'reserved fixed-header flag bits have the wrong value'),
  qos3: d('qos-3', 'error', 'MQTT-3.3.1-4', 'PUBLISH with both QoS bits set'),
  dupQos0: d('dup-on-qos0', 'error', 'MQTT-3.3.1-2', 'DUP set on a QoS 0 PUBLISH'),
  wildcardTopic: d('wildcard-in-topic', 'error', 'MQTT-3.3.2-2', 'wildcard character in a PUBLISH Topic Name'),
  emptyTopic: d('empty-topic', 'error', 'MQTT-4.7.3-1', 'empty Topic Name without a Topic Alias'),
  invalidUtf8: d('invalid-utf8', 'error', 'MQTT-1.5.4-1', 'ill-formed UTF-8 or a UTF-16 surrogate code point'),
  utf8Null: d('utf8-null', 'error', 'MQTT-1.5.4-2', 'UTF-8 string contains U+0000'),
  lengthTooLong: d('remaining-length-too-long', 'error', 'MQTT-1.5.5', 'variable byte integer longer than 4 bytes'),
  lengthNotMinimal: d('remaining-length-not-minimal', 'warn', 'MQTT-1.5.5', 'variable byte integer not in its shortest encoding'),
  varintNotMinimal: d('varint-not-minimal', 'warn', 'MQTT-1.5.5', 'variable byte integer not in its shortest encoding'),
  varintTooLong: d('varint-too-long', 'error', 'MQTT-1.5.5', 'variable byte integer longer than 4 bytes'),
  truncated: d('field-past-end', 'error', 'MQTT-2.1', 'a field runs past the end of the packet'),
  lengthMismatch: d('remaining-length-mismatch', 'error', 'MQTT-2.2.3', 'the bytes given do not match the Remaining Length'),
  trailing: d('trailing-bytes', 'error', 'MQTT-2.1', 'bytes left over inside the Remaining Length after the last field'),
  unknownProtocolName: d('unknown-protocol-name', 'error', 'MQTT-3.1.2-1', 'CONNECT protocol name is not MQTT / MQIsdp'),
  unknownProtocolLevel: d('unknown-protocol-level', 'error', 'MQTT-3.1.2-2', 'CONNECT protocol level is not 3, 4 or 5'),
  connectReserved: d('connect-reserved-flag', 'error', 'MQTT-3.1.2-3', 'CONNECT flags reserved bit set'),
  willFlags: d('will-flags', 'error', 'MQTT-3.1.2-11', 'Will QoS/Retain set while the Will Flag is 0, or Will QoS 3'),
  passwordWithoutUser: d('password-without-username', 'error', 'MQTT-3.1.2-22', 'Password flag set without User Name flag (3.1.1)'),
  connackReserved: d('connack-reserved-flags', 'error', 'MQTT-3.2.2-1', 'CONNACK acknowledge flags bits 7-1 set'),
  unknownProperty: d('unknown-property', 'error', 'MQTT-2.2.2.2', 'property identifier not defined by MQTT 5'),
  duplicateProperty: d('duplicate-property', 'error', 'MQTT-2.2.2.2', 'property appears more than once'),
  propertyNotAllowed: d('property-not-allowed', 'error', 'MQTT-2.2.2.2', 'property not allowed in this packet'),
  propertyValue: d('property-value', 'error', 'MQTT-2.2.2.2', 'property value out of range'),
  invalidReason: d('invalid-reason-code', 'error', 'MQTT-2.4', 'reason code not valid for this packet type'),
  packetIdZero: d('packet-id-zero', 'error', 'MQTT-2.3.1-1', 'Packet Identifier 0 where a non-zero one is required'),
  noTopicFilters: d('no-topic-filters', 'error', 'MQTT-3.8.3-3', 'SUBSCRIBE/UNSUBSCRIBE without any topic filter'),
  subscribeOptions: d('subscribe-options', 'error', 'MQTT-3.8.3-4', 'requested QoS 3 or reserved subscription option bits set'),
  emptyFilter: d('empty-topic-filter', 'error', 'MQTT-4.7.3-1', 'empty topic filter'),
} as const satisfies Record<string, NoteDef>;

export type NoteKey = keyof typeof NOTE_DEFS;
