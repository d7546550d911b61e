// decode: Topic Aliases last only as long as their Network Connection [MQTT 5.0
// §3.3.2.3.4]. A CONNECT in the input starts a new one, so a PUBLISH after it that
// uses an alias set before it is not explained with the old connection's topic.
import { describe, expect, it } from 'vitest';
import { decodeStream } from '../../src/cli/commands/decode.js';
import { find, hex } from './helpers.js';

const CONNECT = `
  10           # CONNECT
  0e           # Remaining Length 14
  00 04        # Protocol Name Length 4
  4d 51 54 54  # Protocol Name "MQTT"
  05           # Protocol Version 5
  02           # Connect Flags: Clean Start
  00 3c        # Keep Alive 60
  00           # Property Length 0
  00 01        # Client ID Length 1
  63           # Client ID "c"
`;
const SET_ALIAS = `
  30           # PUBLISH, QoS 0
  0a           # Remaining Length 10
  00 03        # Topic Length 3
  61 2f 62     # Topic "a/b"
  03           # Property Length 3
  23 00 01     # Topic Alias 1
  78           # payload "x"
`;
const USE_ALIAS = `
  30           # PUBLISH, QoS 0
  07           # Remaining Length 7
  00 00        # Topic Length 0: the topic comes from the alias
  03           # Property Length 3
  23 00 01     # Topic Alias 1
  79           # payload "y"
`;

describe('decode: Topic Aliases end with their connection', () => {
  it('uses the alias within one connection', () => {
    const { packets } = decodeStream(hex(CONNECT + SET_ALIAS + USE_ALIAS), 4);
    const last = packets[2]!.record;
    expect(last.topic).toBe('a/b');
    expect(find(last.tree().fields, 'mqtt.property.topic_alias')!.display).toBe('1 (stands for "a/b")');
  });

  it('forgets it after a new CONNECT', () => {
    const { packets } = decodeStream(hex(CONNECT + SET_ALIAS + CONNECT + USE_ALIAS), 4);
    const last = packets[3]!.record;
    expect(last.topic).toBe('');
    expect(find(last.tree().fields, 'mqtt.property.topic_alias')!.display).not.toContain('a/b');
  });
});
