// A number a field can never hold is an error, as in tshark 4.0 ("1.5" is not a valid number;
// "70000" too big for this field), instead of a filter that silently matches nothing.
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import { syntaxError } from './errors.js';
import { gen } from './records.js';

describe('numbers outside a field', () => {
  it('a fraction on a number field is an error', () => {
    const e = syntaxError('mqtt.msgid == 1.5');
    expect(e.code).toBe('bad-operand');
    expect(e.reason).toBe("mqtt.msgid is a whole number: '1.5' can never match it");
    expect(e.position).toBe(14);
    expect(syntaxError('frame.number in {1.5, 2}').reason).toBe("frame.number is a whole number: '1.5' can never match it");
    expect(syntaxError('mqtt.msgid == "2.5"').code).toBe('bad-operand');
  });

  it('a number past an 8- or 16-bit id (its Wireshark type) is an error', () => {
    expect(syntaxError('mqtt.msgid == 65536').reason).toBe("mqtt.msgid is a 16-bit number: '65536' can never match it (0 to 65535)");
    expect(syntaxError('mqtt.kalive > 70000').reason).toBe("mqtt.kalive is a 16-bit number: '70000' can never match it (0 to 65535)");
    expect(syntaxError('tcp.port == 70000').reason).toBe("tcp.port is a 16-bit number: '70000' can never match it (0 to 65535)");
    expect(syntaxError('mqtt.qos == 256').reason).toBe("mqtt.qos is an 8-bit number: '256' can never match it (0 to 255)");
    // Wireshark's name of an id here, and a shortcut for one.
    expect(syntaxError('mqtt.subscription_options_qos == 0x100').code).toBe('bad-operand');
    expect(syntaxError('id == 65536').code).toBe('bad-operand');
    expect(syntaxError('mqtt.msgid == "65536"').code).toBe('bad-operand');
  });

  it('a negative number is an error naming it (tshark takes it and matches nothing), not a bare unexpected character', () => {
    const e = syntaxError('mqtt.len > -1');
    expect(e.reason).toBe('a negative number: MQTT fields (lengths, packet ids, QoS, codes, ports) have no negative values; compare with 0 or more (mqtt.len >= 0)');
    expect(e.position).toBe(11);
    // A slice counted from the end keeps its minus sign.
    expect(() => compileFilter('mqtt.msg[-2:] == 0a:0b')).not.toThrow();
  });

  it('the largest value and whole decimals still compile and match', () => {
    const pub = gen({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 65535, retain: false, dup: false });
    expect(compileFilter('mqtt.msgid == 65535')(pub)).toBe(true);
    expect(compileFilter('mqtt.msgid == 0xffff')(pub)).toBe(true);
    expect(compileFilter('mqtt.qos == 1.0')(pub)).toBe(true);
    // mqtt.len is a variable byte integer (up to 268,435,455): no 16-bit limit.
    expect(() => compileFilter('mqtt.len > 70000')).not.toThrow();
  });
});
