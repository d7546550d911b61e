// Control packet types and their fixed-header flag rules
// [MQTT 3.1.1 §2.2.1–2.2.2, MQTT 5.0 §2.1.2–2.1.3].

/** Packet type numbers by spec name. */
export const PacketType = {
  RESERVED: 0, CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7,
  SUBSCRIBE: 8, SUBACK: 9, UNSUBSCRIBE: 10, UNSUBACK: 11, PINGREQ: 12, PINGRESP: 13, DISCONNECT: 14, AUTH: 15,
} as const;

/** Who sends a packet type. */
export type PacketDirection = 'c2s' | 's2c' | 'both' | 'none';

export interface PacketTypeInfo {
  type: number;
  /** Spec name in capitals: `CONNECT` … `AUTH`. Type 0 is `RESERVED`. */
  name: string;
  description: string;
  direction: PacketDirection;
  /**
   * Required low nibble of byte 1, or null when the flags carry meaning (PUBLISH).
   * [MQTT-2.2.2-1] reserved flag bits MUST be set to the listed value.
   */
  requiredFlags: number | null;
  /** Spec reference for the flag rule in MQTT 3.1.1 (also used for 3.1). */
  flagsSpec: string;
  /** Spec reference for the flag rule in MQTT 5.0. */
  flagsSpec5: string;
  /** Whether the variable header carries a Packet Identifier (PUBLISH: only when QoS > 0). */
  packetId: 'always' | 'qos' | 'never';
  /** Lowest protocol level that knows this type (AUTH is MQTT 5 only). */
  minVersion: 3 | 4 | 5;
}

function t(
  type: number, name: string, description: string, direction: PacketDirection,
  requiredFlags: number | null, flagsSpec: string, flagsSpec5: string, packetId: PacketTypeInfo['packetId'], minVersion: 3 | 4 | 5 = 3,
): PacketTypeInfo {
  return { type, name, description, direction, requiredFlags, flagsSpec, flagsSpec5, packetId, minVersion };
}

// The general rule is [MQTT-2.2.2-1] in 3.1.1 and [MQTT-2.1.3-1] in 5.0; some
// packet types restate it with their own number.
const G4 = 'MQTT-2.2.2-1', G5 = 'MQTT-2.1.3-1';

/** Indexed by the packet type (byte 1 >> 4). */
export const PACKET_TYPES: readonly PacketTypeInfo[] = [
  t(0, 'RESERVED', 'Reserved (forbidden)', 'none', null, 'MQTT-2.2.1', 'MQTT-2.1.2', 'never'),
  t(1, 'CONNECT', 'Client request to connect to Server', 'c2s', 0, G4, G5, 'never'),
  t(2, 'CONNACK', 'Connect acknowledgment', 's2c', 0, G4, G5, 'never'),
  t(3, 'PUBLISH', 'Publish message', 'both', null, 'MQTT-3.3.1', 'MQTT-3.3.1', 'qos'),
  t(4, 'PUBACK', 'Publish acknowledgment (QoS 1)', 'both', 0, G4, G5, 'always'),
  t(5, 'PUBREC', 'Publish received (QoS 2 delivery part 1)', 'both', 0, G4, G5, 'always'),
  t(6, 'PUBREL', 'Publish release (QoS 2 delivery part 2)', 'both', 0b0010, 'MQTT-3.6.1-1', 'MQTT-3.6.1-1', 'always'),
  t(7, 'PUBCOMP', 'Publish complete (QoS 2 delivery part 3)', 'both', 0, G4, G5, 'always'),
  t(8, 'SUBSCRIBE', 'Subscribe request', 'c2s', 0b0010, 'MQTT-3.8.1-1', 'MQTT-3.8.1-1', 'always'),
  t(9, 'SUBACK', 'Subscribe acknowledgment', 's2c', 0, G4, G5, 'always'),
  t(10, 'UNSUBSCRIBE', 'Unsubscribe request', 'c2s', 0b0010, 'MQTT-3.10.1-1', 'MQTT-3.10.1-1', 'always'),
  t(11, 'UNSUBACK', 'Unsubscribe acknowledgment', 's2c', 0, G4, G5, 'always'),
  t(12, 'PINGREQ', 'PING request', 'c2s', 0, G4, G5, 'never'),
  t(13, 'PINGRESP', 'PING response', 's2c', 0, G4, G5, 'never'),
  t(14, 'DISCONNECT', 'Disconnect notification', 'both', 0, 'MQTT-3.14.1-1', 'MQTT-3.14.1-1', 'never'),
  // AUTH is always decoded as MQTT 5, so its 5.0 rule applies in both columns.
  t(15, 'AUTH', 'Authentication exchange (MQTT 5)', 'both', 0, 'MQTT-3.15.1-1', 'MQTT-3.15.1-1', 'never', 5),
];

const NAMES: readonly string[] = PACKET_TYPES.map((p) => p.name);

/** Spec name of a packet type: `CONNECT` … `AUTH`; `RESERVED` for 0 and anything out of range. */
export function packetTypeName(type: number): string {
  return NAMES[type] ?? 'RESERVED';
}

/** Packet type number for a spec name (case-insensitive), or -1. */
export function packetTypeByName(name: string): number {
  const i = NAMES.indexOf(name.toUpperCase());
  return i;
}

export function packetTypeInfo(type: number): PacketTypeInfo {
  return PACKET_TYPES[type & 0x0f]!;
}

/** Spec reference of a packet type's fixed-header flag rule for a protocol level. */
export function flagsSpecFor(type: number, version: number): string {
  const p = PACKET_TYPES[type & 0x0f]!;
  return version >= 5 ? p.flagsSpec5 : p.flagsSpec;
}

/** Required low nibble per type (-1: the flags carry meaning). Flat array for the hot path. */
export const REQUIRED_FLAGS: Int8Array = Int8Array.from(PACKET_TYPES, (p) => (p.requiredFlags === null ? -1 : p.requiredFlags));

/**
 * MQTT 3.1 gives PUBREL, SUBSCRIBE and UNSUBSCRIBE a real DUP flag and QoS:
 * they are sent at QoS 1 and the DUP flag is set on a retry, as for PUBLISH
 * (MQTT 3.1 §2.1 "DUP", §3.6, §3.8, §3.10); only RETAIN is unused. 3.1.1 made
 * the whole nibble a fixed 0010 [MQTT-3.6.1-1, MQTT-3.8.1-1, MQTT-3.10.1-1].
 */
export function hasDupQosIn31(type: number): boolean {
  return type === 6 || type === 8 || type === 10;
}

/** Protocol names and levels [MQTT-3.1.2-1, MQTT-3.1.2-2]. */
export const PROTOCOL_LEVELS: Readonly<Record<number, { name: string; version: string }>> = {
  3: { name: 'MQIsdp', version: '3.1' },
  4: { name: 'MQTT', version: '3.1.1' },
  5: { name: 'MQTT', version: '5.0' },
};

export function protocolVersionName(level: number): string {
  return PROTOCOL_LEVELS[level]?.version ?? `unknown (${level})`;
}
