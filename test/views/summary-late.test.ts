// A copy that an undelivered-publish or withheld-delivery reported missing, and that arrived
// after the window, gets a follow-up record of the same code (severity info, `late: true`).
// The summary counted those as more drops; it now says how many of the count are such
// follow-ups, in the text and in the json summary's extra.
import { describe, expect, it } from 'vitest';
import { renderSummary, SummaryCounter } from '../../src/views/summary.js';
import { finding } from '../filter/records.js';

describe('summary: late follow-ups are counted apart', () => {
  it('json extra late_findings and a note in the findings table', () => {
    const c = new SummaryCounter();
    c.record(finding({ code: 'undelivered-publish', frames: [10] }));
    c.record(finding({ code: 'undelivered-publish', frames: [20] }));
    c.record(finding({ code: 'undelivered-publish', severity: 'info', frames: [30], extra: { late: true, reported_frame: 10 } }));
    c.record(finding({ code: 'connect-refused', severity: 'error', frames: [40] }));
    const r = c.toRecord();
    expect(r.findings).toEqual({ 'undelivered-publish': 3, 'connect-refused': 1 });
    expect(r.extra['late_findings']).toEqual({ 'undelivered-publish': 1 });
    const text = renderSummary(r, { findings: c.findings });
    const table = text.split('\n').filter((l) => /^ {2}(undelivered-publish|connect-refused) +\d/.test(l));
    expect(table).toEqual([
      '  undelivered-publish  3  (1 of them: a copy reported missing arrived late)',
      '  connect-refused      1',
    ]);
  });

  it('no late follow-up: no extra key and the table is as before', () => {
    const c = new SummaryCounter();
    c.record(finding({ code: 'withheld-delivery' }));
    const r = c.toRecord();
    expect('late_findings' in r.extra).toBe(false);
    expect(renderSummary(r, { findings: c.findings }).split('\n')).toContain('  withheld-delivery  1');
  });
});
