// Byte vectors for every packet type in MQTT 3.1.1 and 5.0, one comment per field.
import type { ProtocolVersion } from '../../src/model/types.js';

/** Every vector, for the invariant test in invariant.test.ts. */
export const VECTORS: Array<[string, ProtocolVersion, string]> = [];
function v(name: string, version: ProtocolVersion, h: string): string {
  VECTORS.push([name, version, h]);
  return h;
}

// ---- MQTT 3.1.1 -----------------------------------------------------------

export const CONNECT_V4 = v('CONNECT v4', 4, `
  10 1b        # CONNECT, Remaining Length 27
  00 04 4d 51 54 54   # protocol name "MQTT"
  04           # level 4
  c2           # flags: user name, password, clean session
  00 3c        # keep alive 60
  00 03 63 69 64      # client id "cid"
  00 04 75 73 65 72   # user name "user"
  00 04 70 61 73 73   # password "pass"
`);
export const CONNECT_WILL_V4 = v('CONNECT will v4', 4, `
  10 17        # CONNECT, Remaining Length 23
  00 04 4d 51 54 54   # "MQTT"
  04           # level 4
  2e           # will retain, will QoS 1, will flag, clean session
  00 00        # keep alive 0
  00 01 63     # client id "c"
  00 03 77 2f 74      # will topic "w/t"
  00 03 62 79 65      # will message "bye"
`);
export const CONNACK_V4 = v('CONNACK v4', 4, '20 02 01 00  # session present, accepted');
export const PUBLISH_QOS0 = v('PUBLISH QoS 0 (seed)', 4, `
  30 14                                  # PUBLISH QoS 0, RL 20
  00 0b 52 6f 6f 6d 31 2f 4c 69 67 68 74 # topic "Room1/Light"
  54 75 72 6e 20 4f 6e                   # payload "Turn On"
`);
export const PUBLISH_QOS1_V4 = v('PUBLISH QoS 1 v4', 4, `
  3b 0a        # PUBLISH DUP, QoS 1, RETAIN; RL 10
  00 03 61 2f 62      # topic "a/b"
  00 07        # packet id 7
  68 69 69     # payload "hii"
`);
export const PUBACK_V4 = v('PUBACK v4', 4, '40 02 00 07  # packet id 7');
export const PUBREC_V4 = v('PUBREC v4', 4, '50 02 00 07');
export const PUBREL_V4 = v('PUBREL v4', 4, '62 02 00 07  # flags 0010');
export const PUBCOMP_V4 = v('PUBCOMP v4', 4, '70 02 00 07');
export const SUBSCRIBE_V4 = v('SUBSCRIBE v4', 4, `
  82 0a        # SUBSCRIBE flags 0010, RL 10
  00 01        # packet id 1
  00 05 61 2f 2b 2f 23  # filter "a/+/#"
  01           # requested QoS 1
`);
export const SUBACK_V4 = v('SUBACK v4', 4, '90 04 00 01 01 80  # packet id 1, granted QoS 1, failure');
export const UNSUBSCRIBE_V4 = v('UNSUBSCRIBE v4', 4, 'a2 05 00 02 00 01 61  # packet id 2, filter "a"');
export const UNSUBACK_V4 = v('UNSUBACK v4', 4, 'b0 02 00 02  # packet id 2');
export const PINGREQ = v('PINGREQ', 4, 'c0 00');
export const PINGRESP = v('PINGRESP', 4, 'd0 00');
export const DISCONNECT_V4 = v('DISCONNECT v4', 4, 'e0 00');

// ---- MQTT 5.0 ---------------------------------------------------------------

export const CONNECT_V5 = v('CONNECT v5', 5, `
  10 18        # CONNECT, RL 24
  00 04 4d 51 54 54   # "MQTT"
  05           # level 5
  02           # clean start
  00 3c        # keep alive 60
  08           # property length 8
  11 00 00 00 3c      # session expiry interval 60
  21 00 0a     # receive maximum 10
  00 03 63 69 64      # client id "cid"
`);
export const CONNACK_V5 = v('CONNACK v5', 5, `
  20 05        # CONNACK, RL 5
  00           # no session present
  00           # reason: Success
  02 24 01     # properties: maximum QoS 1
`);
export const PUBLISH_V5 = v('PUBLISH v5', 5, `
  32 14        # PUBLISH QoS 1, RL 20
  00 03 61 2f 62      # topic "a/b"
  00 07        # packet id 7
  0a           # property length 10
  23 00 05     # topic alias 5
  26 00 01 6b 00 01 76  # user property k=v
  68 69        # payload "hi"
`);
export const PUBACK_V5 = v('PUBACK v5 reason', 5, '40 03 00 07 10  # packet id 7, No matching subscribers');
export const PUBACK_V5_SHORT = v('PUBACK v5 short', 5, '40 02 00 07  # reason omitted: Success');
export const PUBREC_V5 = v('PUBREC v5', 5, `
  50 09 00 07  # packet id 7
  80           # Unspecified error
  05 1f 00 02 6e 6f   # reason string "no"
`);
export const PUBREL_V5 = v('PUBREL v5', 5, '62 03 00 07 92  # Packet Identifier not found');
export const PUBCOMP_V5 = v('PUBCOMP v5', 5, '70 04 00 07 00 00  # Success, no properties');
export const SUBSCRIBE_V5 = v('SUBSCRIBE v5', 5, `
  82 0b 00 01  # packet id 1
  02 0b 07     # subscription identifier 7
  00 03 61 2f 62      # filter "a/b"
  2d           # options: retain handling 2, RAP, NL, QoS 1
`);
export const SUBACK_V5 = v('SUBACK v5', 5, '90 05 00 01 00 01 97  # packet id 1, no properties, QoS 1, Quota exceeded');
export const UNSUBSCRIBE_V5 = v('UNSUBSCRIBE v5', 5, 'a2 06 00 02 00 00 01 61  # packet id 2, no properties, "a"');
export const UNSUBACK_V5 = v('UNSUBACK v5', 5, 'b0 05 00 02 00 00 11  # Success, No subscription existed');
export const DISCONNECT_V5 = v('DISCONNECT v5', 5, 'e0 02 8e 00  # Session taken over, no properties');
export const AUTH_V5 = v('AUTH v5', 5, `
  f0 0a        # AUTH, RL 10
  18           # Continue authentication
  08 15 00 05 53 43 52 41 4d  # authentication method "SCRAM"
`);

