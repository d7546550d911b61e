import { describe, expect, it } from 'vitest';
import { createView, registerView, UnknownViewError, viewNames, type View } from '../../src/views/index.js';
import { sampleRecords } from './sample.js';

describe('view registry', () => {
  it('knows line, table, json, tree and hex', () => {
    expect(viewNames()).toEqual(expect.arrayContaining(['line', 'table', 'json', 'tree', 'hex']));
  });

  it('unknown names throw UnknownViewError listing the known ones', () => {
    try {
      createView('pdf', { out: { write: () => undefined } });
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownViewError);
      expect((e as UnknownViewError).code).toBe('unknown-view');
      expect((e as Error).message).toContain('line, table, json');
    }
  });

  it('new views plug in by name', () => {
    const seen: string[] = [];
    registerView('count', (): View => ({ record: (r) => { seen.push(r.kind); }, end: () => { seen.push('end'); } }));
    const v = createView('count', { out: { write: () => undefined } });
    v.record(sampleRecords()[0]!);
    v.end();
    expect(seen).toEqual(['packet', 'end']);
  });

  it('tree and hex views print a header line and the body per packet, masking the password', () => {
    for (const name of ['tree', 'hex']) {
      let s = '';
      const v = createView(name, { out: { write: (x: string) => { s += x; } }, utc: true });
      for (const r of sampleRecords()) v.record(r);
      v.end();
      expect(s).toContain('#5    p-deny     → CONNECT');
      expect(s).toContain('!! undelivered-publish');
      expect(s).not.toContain('s3cret');
      expect(s).not.toContain(Buffer.from('s3cret').toString('hex').match(/../g)!.join(' '));
    }
  });
});
