// Wireshark's value labels in place of a number (`mqtt.msgtype == "Publish Message"`), as
// tshark -Y takes them (test/filter/tshark-parity-crafted.test.ts compares with tshark).
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import { syntaxError } from './errors.js';
import { gen } from './records.js';

const publish = gen({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, messageId: 5, retain: false, dup: false });
const refused = gen({ cmd: 'connack', returnCode: 5, sessionPresent: false }, { dir: 's2c' });
const puback5 = gen({ cmd: 'puback', messageId: 5, reasonCode: 0x10 }, { dir: 's2c', version: 5 });

describe('Wireshark value labels', () => {
  it('a label is the number it stands for, in any case', () => {
    expect(compileFilter('mqtt.msgtype == "Publish Message"')(publish)).toBe(true);
    expect(compileFilter('mqtt.msgtype == "PUBLISH MESSAGE"')(publish)).toBe(true);
    expect(compileFilter('mqtt.msgtype != "Publish Message"')(publish)).toBe(false);
    expect(compileFilter('mqtt.qos == "At least once delivery (Acknowledged deliver)"')(publish)).toBe(true);
    expect(compileFilter('mqtt.conack.val == "Connection Refused: not authorized"')(refused)).toBe(true);
    expect(compileFilter('mqtt.conack.val in {"Connection Accepted", "Connection Refused: not authorized"}')(refused)).toBe(true);
    expect(compileFilter('mqtt.puback.reason_code == "No matching subscribers"')(puback5)).toBe(true);
    expect(compileFilter('mqtt.puback.reason_code == "Success"')(puback5)).toBe(false);
  });

  it('a misspelt label is an error that names the label', () => {
    const e = syntaxError('mqtt.conack.val == "Connection Acepted"');
    expect(e.code).toBe('bad-operand');
    expect(e.reason).toBe("mqtt.conack.val is a number: 'Connection Acepted' is not one of its Wireshark labels; did you mean 'Connection Accepted'? (or write a number such as 1 or 0x1a)");
    expect(syntaxError('mqtt.msgtype == "Publish Mesage"').reason).toBe("'Publish Mesage' is not a packet type; did you mean 'Publish Message'?");
    // Nothing close: the message for any text on a number field.
    expect(syntaxError('mqtt.ver == "MQTT 5"').reason).toBe("mqtt.ver is a number: 'MQTT 5' can never match it (write a number such as 1 or 0x1a)");
  });

  it('a slice of a labelled field is refused as before (a slice takes text or bytes)', () => {
    expect(syntaxError('mqtt.msgtype[0] == "Publish Message"').code).toBe('bad-operand');
  });
});
