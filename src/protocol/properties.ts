// The 27 MQTT 5 properties [MQTT 5.0 §2.2.2.2, Table 2-4].

export type PropertyType = 'byte' | 'two-byte-int' | 'four-byte-int' | 'varint' | 'utf8' | 'binary' | 'utf8-pair';

/** Where a property may appear: packet type numbers, plus 'will' for CONNECT's Will Properties. */
export type PropertyPlace = number | 'will';

export interface PropertyInfo {
  id: number;
  /** snake_case name, used as JSON key and in field ids (`mqtt.property.<name>`). */
  name: string;
  /** Name as written in the spec. */
  specName: string;
  type: PropertyType;
  places: readonly PropertyPlace[];
  /** May appear more than once (user_property; subscription_identifier in PUBLISH). */
  repeatable: boolean;
}

const CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, PUBREC = 5, PUBREL = 6, PUBCOMP = 7,
  SUBSCRIBE = 8, SUBACK = 9, UNSUBSCRIBE = 10, UNSUBACK = 11, DISCONNECT = 14, AUTH = 15;

function p(id: number, name: string, specName: string, type: PropertyType, places: PropertyPlace[], repeatable = false): PropertyInfo {
  return { id, name, specName, type, places, repeatable };
}

export const PROPERTIES: readonly PropertyInfo[] = [
  p(0x01, 'payload_format_indicator', 'Payload Format Indicator', 'byte', [PUBLISH, 'will']),
  p(0x02, 'message_expiry_interval', 'Message Expiry Interval', 'four-byte-int', [PUBLISH, 'will']),
  p(0x03, 'content_type', 'Content Type', 'utf8', [PUBLISH, 'will']),
  p(0x08, 'response_topic', 'Response Topic', 'utf8', [PUBLISH, 'will']),
  p(0x09, 'correlation_data', 'Correlation Data', 'binary', [PUBLISH, 'will']),
  p(0x0b, 'subscription_identifier', 'Subscription Identifier', 'varint', [PUBLISH, SUBSCRIBE], true),
  p(0x11, 'session_expiry_interval', 'Session Expiry Interval', 'four-byte-int', [CONNECT, CONNACK, DISCONNECT]),
  p(0x12, 'assigned_client_identifier', 'Assigned Client Identifier', 'utf8', [CONNACK]),
  p(0x13, 'server_keep_alive', 'Server Keep Alive', 'two-byte-int', [CONNACK]),
  p(0x15, 'authentication_method', 'Authentication Method', 'utf8', [CONNECT, CONNACK, AUTH]),
  p(0x16, 'authentication_data', 'Authentication Data', 'binary', [CONNECT, CONNACK, AUTH]),
  p(0x17, 'request_problem_information', 'Request Problem Information', 'byte', [CONNECT]),
  p(0x18, 'will_delay_interval', 'Will Delay Interval', 'four-byte-int', ['will']),
  p(0x19, 'request_response_information', 'Request Response Information', 'byte', [CONNECT]),
  p(0x1a, 'response_information', 'Response Information', 'utf8', [CONNACK]),
  p(0x1c, 'server_reference', 'Server Reference', 'utf8', [CONNACK, DISCONNECT]),
  p(0x1f, 'reason_string', 'Reason String', 'utf8', [CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH]),
  p(0x21, 'receive_maximum', 'Receive Maximum', 'two-byte-int', [CONNECT, CONNACK]),
  p(0x22, 'topic_alias_maximum', 'Topic Alias Maximum', 'two-byte-int', [CONNECT, CONNACK]),
  p(0x23, 'topic_alias', 'Topic Alias', 'two-byte-int', [PUBLISH]),
  p(0x24, 'maximum_qos', 'Maximum QoS', 'byte', [CONNACK]),
  p(0x25, 'retain_available', 'Retain Available', 'byte', [CONNACK]),
  p(0x26, 'user_property', 'User Property', 'utf8-pair',
    [CONNECT, CONNACK, PUBLISH, 'will', PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH], true),
  p(0x27, 'maximum_packet_size', 'Maximum Packet Size', 'four-byte-int', [CONNECT, CONNACK]),
  p(0x28, 'wildcard_subscription_available', 'Wildcard Subscription Available', 'byte', [CONNACK]),
  p(0x29, 'subscription_identifier_available', 'Subscription Identifier Available', 'byte', [CONNACK]),
  p(0x2a, 'shared_subscription_available', 'Shared Subscription Available', 'byte', [CONNACK]),
];

/** Property info by identifier (sparse, 0..0x2a). */
export const PROPERTY_BY_ID: readonly (PropertyInfo | undefined)[] = (() => {
  const a: (PropertyInfo | undefined)[] = new Array(256).fill(undefined);
  for (const q of PROPERTIES) a[q.id] = q;
  return a;
})();

const BY_NAME = new Map(PROPERTIES.map((q) => [q.name, q]));

export function propertyById(id: number): PropertyInfo | undefined {
  return PROPERTY_BY_ID[id];
}

export function propertyByName(name: string): PropertyInfo | undefined {
  return BY_NAME.get(name);
}

/** Place index used by the allow-table: packet type 0..15, 16 for Will Properties. */
export const WILL_PLACE = 16;

/** allowed[place * 256 + id] = 1 when the property may appear there. */
const ALLOWED = new Uint8Array(17 * 256);
for (const q of PROPERTIES) for (const pl of q.places) ALLOWED[(pl === 'will' ? WILL_PLACE : pl) * 256 + q.id] = 1;

/** Whether property `id` may appear in `place` (packet type, or WILL_PLACE). */
export function propertyAllowed(id: number, place: number): boolean {
  return ALLOWED[place * 256 + (id & 0xff)] === 1;
}

/**
 * Where each packet's property list is specified [MQTT 5.0]: its section and the
 * properties in the order of their subsections (subsection .1 is the Property Length,
 * so the first property is .2). Each property's subsection states its allowed values
 * and that including it more than once is a Protocol Error (User Property excepted).
 */
const PROPERTY_SECTIONS: Readonly<Record<number, readonly [string, readonly number[]]>> = {
  1: ['3.1.2.11', [0x11, 0x21, 0x27, 0x22, 0x19, 0x17, 0x26, 0x15, 0x16]],
  2: ['3.2.2.3', [0x11, 0x21, 0x24, 0x25, 0x27, 0x12, 0x22, 0x1f, 0x26, 0x28, 0x29, 0x2a, 0x13, 0x1a, 0x1c, 0x15, 0x16]],
  3: ['3.3.2.3', [0x01, 0x02, 0x23, 0x08, 0x09, 0x26, 0x0b, 0x03]],
  4: ['3.4.2.2', [0x1f, 0x26]],
  5: ['3.5.2.2', [0x1f, 0x26]],
  6: ['3.6.2.2', [0x1f, 0x26]],
  7: ['3.7.2.2', [0x1f, 0x26]],
  8: ['3.8.2.1', [0x0b, 0x26]],
  9: ['3.9.2.1', [0x1f, 0x26]],
  10: ['3.10.2.1', [0x26]],
  11: ['3.11.2.1', [0x1f, 0x26]],
  14: ['3.14.2.2', [0x11, 0x1f, 0x26, 0x1c]],
  15: ['3.15.2.2', [0x15, 0x16, 0x1f, 0x26]],
  [WILL_PLACE]: ['3.1.3.2', [0x18, 0x01, 0x02, 0x03, 0x08, 0x09, 0x26]],
};

/**
 * The MQTT 5.0 section that specifies property `id` in `place` (packet type or
 * WILL_PLACE), e.g. Maximum QoS in CONNACK → `MQTT-3.2.2.3.4`; undefined when the
 * property is not allowed there.
 */
export function propertySection(id: number, place: number): string | undefined {
  const s = PROPERTY_SECTIONS[place];
  if (s === undefined) return undefined;
  const i = s[1].indexOf(id);
  return i < 0 ? undefined : `MQTT-${s[0]}.${i + 2}`;
}
