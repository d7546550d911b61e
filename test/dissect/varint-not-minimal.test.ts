// A non-minimal Variable Byte Integer inside an MQTT 5 packet (Property Length,
// Subscription Identifier) breaks a MUST [MQTT-1.5.5-1]: mosquitto 2.0.11 closes
// the connection on a CONNECT whose Property Length is 80 00. So it is an error,
// and `decode` exits 1 on it. One comment per field.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { decodeBoth } from './helpers.js';

const CONNECT_PROPLEN_80_00 = `
  10 10        # CONNECT, Remaining Length 16
  00 04 4d 51 54 54  # Protocol Name "MQTT"
  05           # Protocol Level 5
  02           # Connect Flags: Clean Start
  00 3c        # Keep Alive 60
  80 00        # Property Length 0 in two bytes (shortest is 00)
  00 02 63 31  # Client Identifier "c1"
`;

describe('non-minimal Variable Byte Integer in MQTT 5', () => {
  it('is an error note on the Property Length of a CONNECT', () => {
    const d = decodeBoth(CONNECT_PROPLEN_80_00, 5);
    expect(d.codes).toEqual(['varint-not-minimal MQTT-1.5.5-1']);
    expect(d.notes[0]!.severity).toBe('error');
  });

  it('is an error note on a Subscription Identifier', () => {
    const d = decodeBoth(`
      82 0a        # SUBSCRIBE, flags 0010, Remaining Length 10
      00 01        # Packet Identifier 1
      03           # Property Length 3
      0b 81 00     # Subscription Identifier 1 in two bytes (shortest is 01)
      00 01 61     # Topic Filter "a"
      00           # Subscription Options: QoS 0
    `, 5);
    expect(d.codes).toEqual(['varint-not-minimal MQTT-1.5.5-1']);
    expect(d.notes[0]!.severity).toBe('error');
  });

  it('makes mqttscope decode exit 1', () => {
    const hexText = CONNECT_PROPLEN_80_00.replace(/#.*$/gmu, '').replace(/\s+/gu, '');
    const r = spawnSync(process.execPath, ['bin/mqttscope', 'decode', '--protocol-version', '5', hexText], { encoding: 'utf8' });
    expect(r.stdout).toContain('varint-not-minimal');
    expect(r.status).toBe(1);
  });
});
