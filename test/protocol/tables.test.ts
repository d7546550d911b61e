// Spec tables: packet types, flag rules, the 27 MQTT 5 properties, reason codes.
import { describe, expect, it } from 'vitest';
import {
  NOTE_DEFS, PACKET_TYPES, PROPERTIES, REQUIRED_FLAGS, flagsSpecFor, invalidReasonSpec, packetTypeByName, packetTypeName, propertyAllowed, propertyById,
  propertyByName, reasonCodesFor, reasonIsFailure, reasonName, specFor, WILL_PLACE,
} from '../../src/protocol/index.js';
import { FILTER_BAD_HASH, FILTER_BAD_PLUS, filterWildcardProblems } from '../../src/protocol/topic-match.js';

describe('packet types', () => {
  it('names all 16 types with spec names', () => {
    expect(PACKET_TYPES.map((p) => p.name)).toEqual(['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP',
      'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH']);
    expect(packetTypeName(15)).toBe('AUTH');
    expect(packetTypeName(99)).toBe('RESERVED');
    expect(packetTypeByName('publish')).toBe(3);
    expect(PACKET_TYPES[15]!.minVersion).toBe(5);
  });
  it('flag rules: PUBLISH free, PUBREL/SUBSCRIBE/UNSUBSCRIBE 0010, others 0000', () => {
    expect(REQUIRED_FLAGS[3]).toBe(-1);
    for (const t of [6, 8, 10]) expect(REQUIRED_FLAGS[t]).toBe(2);
    for (const t of [1, 2, 4, 5, 7, 9, 11, 12, 13, 14, 15]) expect(REQUIRED_FLAGS[t]).toBe(0);
    expect(PACKET_TYPES[8]!.flagsSpec).toBe('MQTT-3.8.1-1');
  });
  it('flag rule references per version', () => {
    expect(flagsSpecFor(4, 4)).toBe('MQTT-2.2.2-1');
    expect(flagsSpecFor(4, 3)).toBe('MQTT-2.2.2-1');
    expect(flagsSpecFor(4, 5)).toBe('MQTT-2.1.3-1');
    expect(flagsSpecFor(14, 4)).toBe('MQTT-3.14.1-1');
    expect(flagsSpecFor(15, 5)).toBe('MQTT-3.15.1-1');
    expect(flagsSpecFor(10, 5)).toBe('MQTT-3.10.1-1');
  });
});

describe('properties', () => {
  it('has all 27 with unique ids and snake_case names', () => {
    expect(PROPERTIES).toHaveLength(27);
    expect(new Set(PROPERTIES.map((p) => p.id)).size).toBe(27);
    for (const p of PROPERTIES) expect(p.name).toMatch(/^[a-z_]+$/);
    expect(propertyById(0x26)!.name).toBe('user_property');
    expect(propertyByName('correlation_data')).toMatchObject({ id: 0x09, type: 'binary' });
    expect(propertyById(0x0b)!.type).toBe('varint');
    expect(propertyById(0x26)!.type).toBe('utf8-pair');
    expect(propertyById(0x04)).toBeUndefined();
  });
  it('knows where each may appear, including the will properties', () => {
    expect(propertyAllowed(0x18, WILL_PLACE)).toBe(true); // will delay interval
    expect(propertyAllowed(0x18, 1)).toBe(false);
    expect(propertyAllowed(0x23, 3)).toBe(true); // topic alias in PUBLISH
    expect(propertyAllowed(0x11, 3)).toBe(false);
    expect(propertyAllowed(0x26, 15)).toBe(true);
    expect(propertyAllowed(0x1f, 1)).toBe(false); // reason string not in CONNECT
  });
});

describe('reason codes', () => {
  it('names codes per packet type and version', () => {
    expect(reasonName(14, 0, 5)).toBe('Normal disconnection');
    expect(reasonName(9, 0, 5)).toBe('Granted QoS 0');
    expect(reasonName(4, 0x10, 5)).toBe('No matching subscribers');
    expect(reasonName(4, 0x8e, 5)).toBeUndefined();
    expect(reasonName(15, 0x18, 5)).toBe('Continue authentication');
    expect(reasonName(2, 5, 4)).toBe('Connection Refused, not authorized');
    expect(reasonName(2, 6, 4)).toBeUndefined();
    expect(reasonName(9, 0x80, 4)).toBe('Failure');
    expect(reasonName(9, 0x80, 3)).toBeUndefined(); // Failure is new in 3.1.1
    expect(reasonCodesFor(9, 3)).toEqual([0, 1, 2]);
    expect(reasonCodesFor(2, 4)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reasonCodesFor(6, 5)).toEqual([0, 0x92]);
    expect(reasonIsFailure(2, 5, 4)).toBe(true);
    expect(reasonIsFailure(4, 0x10, 5)).toBe(false);
  });
  it('every note definition has a code, a severity and a reference in some version', () => {
    for (const d of Object.values(NOTE_DEFS)) {
      expect(d.code).toMatch(/^[a-z0-9-]+$/);
      expect(['info', 'warn', 'error']).toContain(d.severity);
      expect(specFor(d, 4) ?? specFor(d, 5), d.code).toMatch(/^MQTT-\d+(\.\d+)*(-\d+)?$/);
    }
  });
  it('references fit the version', () => {
    expect(specFor(NOTE_DEFS.invalidUtf8, 4)).toBe('MQTT-1.5.3-1');
    expect(specFor(NOTE_DEFS.invalidUtf8, 3)).toBe('MQTT-1.5.3-1');
    expect(specFor(NOTE_DEFS.invalidUtf8, 5)).toBe('MQTT-1.5.4-1');
    expect(specFor(NOTE_DEFS.reservedFlags, 5)).toBe('MQTT-2.1.3-1');
    expect(specFor(NOTE_DEFS.packetIdZero, 5)).toBe('MQTT-2.2.1-3');
    expect(specFor(NOTE_DEFS.connackReserved, 4)).toBe('MQTT-3.2.2.1');
    expect(specFor(NOTE_DEFS.qos3, 5)).toBe('MQTT-3.3.1-4'); // same number in both
    expect(specFor(NOTE_DEFS.unknownProperty, 4)).toBeUndefined(); // MQTT 5 only
    expect(invalidReasonSpec(2, 4)).toBe('MQTT-3.2.2-6');
    expect(invalidReasonSpec(9, 4)).toBe('MQTT-3.9.3-2');
    expect(invalidReasonSpec(2, 5)).toBe('MQTT-3.2.2-8');
    expect(invalidReasonSpec(15, 5)).toBe('MQTT-3.15.2-1');
  });
});

describe('topic filter wildcards', () => {
  it('finds # that is not alone in the last level and + that shares a level', () => {
    for (const ok of ['#', '+', 'a/#', '+/b/#', '/+', 'a//+/', '$share/g/a/+', 'plain']) expect(filterWildcardProblems(ok), ok).toBe(0);
    expect(filterWildcardProblems('a/#/b')).toBe(FILTER_BAD_HASH);
    expect(filterWildcardProblems('a#')).toBe(FILTER_BAD_HASH);
    expect(filterWildcardProblems('#/')).toBe(FILTER_BAD_HASH);
    expect(filterWildcardProblems('a+')).toBe(FILTER_BAD_PLUS);
    expect(filterWildcardProblems('+a/b')).toBe(FILTER_BAD_PLUS);
    expect(filterWildcardProblems('a+/b#')).toBe(FILTER_BAD_HASH | FILTER_BAD_PLUS);
  });
});
