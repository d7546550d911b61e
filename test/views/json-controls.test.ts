// The json view writes DEL and the C1 controls as \u00XX escapes: JSON.stringify
// leaves them raw, and U+009B is a one-character CSI a terminal acts on.
import { describe, expect, it } from 'vitest';
import { createView, SummaryCounter } from '../../src/views/index.js';
import type { OutputRecord } from '../../src/model/packet.js';
import { finding, gen } from '../filter/records.js';
import { packetJsonText } from '../../src/views/packet-json.js';

function ndjson(recs: OutputRecord[]): string {
  let s = '';
  const v = createView('json', { out: { write: (x: string) => { s += x; } } });
  const c = new SummaryCounter();
  for (const r of recs) { v.record(r); c.record(r); }
  v.end(c.toRecord());
  return s;
}

describe('json view and terminal controls', () => {
  it('escapes C1 controls and DEL in topics, client ids, user names and finding texts', () => {
    const csi = '\u009b2J\u009b31m';
    const pub = gen({ cmd: 'publish', topic: `a/${csi}/\u007f`, payload: Buffer.from('x'), qos: 0 }, { clientId: `c${csi}`, username: `u\u0085` });
    const f = finding({ code: 'publish-rejected', clientId: `c${csi}`, topic: `a/${csi}`, text: `refused ${csi}` });
    const out = ndjson([pub, f]);
    // No raw DEL or C1 character reaches the terminal ...
    expect(out).not.toMatch(/[\u007f-\u009f]/);
    expect(out).toContain('"topic":"a/\\u009b2J\\u009b31m/\\u007f"');
    // ... and the values read back unchanged.
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]!['topic']).toBe(`a/${csi}/\u007f`);
    expect(lines[0]!['client_id']).toBe(`c${csi}`);
    expect(lines[0]!['username']).toBe('u\u0085');
    expect(lines[1]!['text']).toBe(`refused ${csi}`);
    expect(lines[2]!['clients']).toContain(`c${csi}`);
  });

  it('escapes them on the direct path too (a plain PUBLISH of a client whose id or user name holds them)', () => {
    const csi = '\u009b2J';
    const bidi = '\u202e';
    const pub = gen({ cmd: 'publish', topic: 'plain/topic', payload: Buffer.from('x'), qos: 0 }, { clientId: `c${csi}`, username: `u${bidi}` });
    // This record is written as text directly, not through the object.
    expect(packetJsonText(pub as never)).not.toBeNull();
    const out = ndjson([pub]);
    expect(out).not.toMatch(/[\u007f-\u009f\u202e]/);
    expect(out).toContain('"client_id":"c\\u009b2J"');
    expect(out).toContain('"username":"u\\u202e"');
    const line = JSON.parse(out.split('\n')[0]!) as Record<string, unknown>;
    expect(line['client_id']).toBe(`c${csi}`);
    expect(line['username']).toBe(`u${bidi}`);
  });
});
