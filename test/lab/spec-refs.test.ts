// The labs speak MQTT 3.1.1, so their explanations cite 3.1.1 rule numbers:
// Remaining Length is §2.2.3 there ([MQTT-2.2.3]); §1.5.5 is 5.0's numbering.
import { describe, expect, it } from 'vitest';
import { LABS } from '../../src/lab/index.js';

describe('lab spec references', () => {
  it('cite MQTT 3.1.1 numbers', () => {
    for (const lab of LABS) expect(lab.explanation, lab.name).not.toMatch(/MQTT-1\.5\.5/);
    const rl = LABS.find((l) => l.name === 'remaining-length')!;
    expect(rl.explanation).toContain('[MQTT-2.2.3]');
  });
});
