// Field names a user takes from the MQTT spec's vocabulary (payload, packet type,
// packet identifier, user name) or from Wireshark's TCP layer (tcp.stream) are too
// far from Wireshark's MQTT ids for a spelling suggestion. Before, they got a bare
// "unknown field", and mqtt.user got "did you mean 'mqtt.ver'?". Now each names the id.
import { describe, expect, it } from 'vitest';
import { syntaxError } from './errors.js';

describe('unknown field names from the MQTT vocabulary', () => {
  const cases: Array<[string, string]> = [
    ['mqtt.payload contains "on"', 'the payload is mqtt.msg, as in Wireshark (or payload)'],
    ['mqtt.message', 'the payload is mqtt.msg'],
    ['mqtt.type == 3', 'the packet type is mqtt.msgtype, as in Wireshark (mqtt.msgtype == 3, or the bare name publish)'],
    ['mqtt.packet_id == 1', 'the packet identifier is mqtt.msgid, as in Wireshark (or id)'],
    ['mqtt.message_id == 1', 'the packet identifier is mqtt.msgid'],
    ['mqtt.keep_alive > 10', 'the keep alive is mqtt.kalive'],
    ['mqtt.user == "bob"', "the CONNECT's user name is mqtt.username, as in Wireshark; user matches the connection's user name on every packet"],
    ['mqtt.dup == 1', 'the DUP flag is mqtt.dupflag'],
    ['mqtt.session_present == 1', 'Session Present is mqtt.conack.flags.sp'],
    ['tcp.stream == 3', 'there is no TCP stream index here: name the connection with conn == "CLIENTIP:PORT-SERVERIP:PORT"'],
  ];
  for (const [expr, text] of cases) {
    it(`names the id for ${expr.split(' ')[0]}`, () => {
      const e = syntaxError(expr);
      expect(e.code).toBe('unknown-field');
      expect(e.message).toContain(text);
      expect(e.message).not.toContain('did you mean');
    });
  }

  it('keeps the spelling suggestion for near misses', () => {
    expect(syntaxError('mqtt.keepalive > 1').message).toContain("did you mean 'mqtt.kalive'?");
  });
});
