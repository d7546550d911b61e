// Text fields compare as text: a numeric-looking literal does not match other
// spellings of the same number, and < / > are lexical (as in Wireshark and as
// docs/filters.md says). Number fields keep their numeric reading of strings.
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/index.js';
import type { PacketRecord } from '../../src/model/packet.js';
import { syntaxError } from './errors.js';
import { gen } from './records.js';

const pub = (topic: string): PacketRecord => gen({ cmd: 'publish', topic, payload: Buffer.from('1'), qos: 0 }, { clientId: '007' });
const hits = (expr: string, topics: string[]): string[] => {
  const f = compileFilter(expr);
  return topics.filter((t) => f(pub(t)));
};
const TOPICS = ['1', '01', '1.0', '0x1', ' 1', '1e0', '10', '9', 'Infinity'];

describe('text fields compare as text', () => {
  it('== and in with a numeric-looking value match only that exact text', () => {
    expect(hits('topic == "1"', TOPICS)).toEqual(['1']);
    expect(hits('mqtt.topic == 1', TOPICS)).toEqual(['1']);
    expect(hits('topic in {"1" "9"}', TOPICS)).toEqual(['1', '9']);
    expect(hits('topic != "1"', TOPICS)).toEqual(TOPICS.slice(1));
  });
  it('client ids are text: "7" is not the client "007"', () => {
    expect(compileFilter('client == "7"')(pub('a'))).toBe(false);
    expect(compileFilter('client == "007"')(pub('a'))).toBe(true);
  });
  it('< and > on text are lexical', () => {
    expect(hits('topic > "9"', TOPICS)).toEqual(['Infinity']);
    expect(hits('topic < "2"', TOPICS)).toEqual(['1', '01', '1.0', '0x1', ' 1', '1e0', '10']);
  });
  it('a numeric range on a text field is an error, not a filter that matches nothing', () => {
    const e = syntaxError('topic in {1..5}');
    expect(e.code).toBe('bad-operand');
    expect(e.position).toBe(10);
    expect(e.reason).toMatch(/topic is not a number field/);
  });
  it('number fields still read numeric strings as numbers', () => {
    const f = compileFilter('mqtt.qos == "0" && tcp.port == "1883" && frame in {0..100000}');
    expect(f(pub('x'))).toBe(true);
  });
});
