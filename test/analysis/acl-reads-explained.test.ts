// An undelivered-publish with --acl needs every missing subscriber's read verdict (is
// every read denied? which are?), but quotes and lists only 20 explanations. The
// explanation is the costly part (150 ms per dropped publish to 10,000 subscribers; 50 ms
// with the verdicts alone), so it is made only for the reads the finding shows.
import { describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ explain: 0 }));
vi.mock('../../src/acl/index.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../src/acl/index.js')>();
  return { ...orig, explain: (...a: Parameters<typeof orig.explain>) => { calls.explain++; return orig.explain(...a); } };
});

const { parseAclFile } = await import('../../src/acl/index.js');
const { Scenario } = await import('./helpers.js');

describe('read explanations of a dropped publish to many subscribers', () => {
  it('every verdict is known, but only the reads shown are explained', () => {
    // admin may read everything; bad may read nothing under m/; w may write anywhere.
    const acl = parseAclFile('user admin\ntopic readwrite #\n\nuser bad\ntopic deny m/#\n\nuser w\ntopic write #\n', 'x.acl');
    const sc = new Scenario({ brokerKind: 'mosquitto', acl });
    for (let k = 0; k < 200; k++) sc.client(`s${k}`).login({ username: 'admin' }).sub(1, ['m/#']);
    sc.client('bad1').login({ username: 'bad' }).sub(1, ['m/#']);
    const p = sc.client('p').login({ username: 'w' });
    sc.wait(300);
    calls.explain = 0;
    p.publish({ topic: 'm/x', payload: 'v' });
    const [f] = sc.end().filter((x) => x.code === 'undelivered-publish');
    // The write, and at most 20 reads (bad1 first: the one denied).
    expect(calls.explain).toBeLessThanOrEqual(21);
    expect(f!.extra).toMatchObject({ acl_write_allowed: true, acl_confirmed: false, acl_reads_count: 201, acl_reads_denied: 1, subscriber_count: 201 });
    const reads = f!.extra['acl_reads'] as { subscriber: string; acl_allowed: boolean }[];
    expect(reads).toHaveLength(20);
    expect(reads[0]).toMatchObject({ subscriber: 'bad1', acl_allowed: false });
    expect(f!.text).toContain("It denies the read of 1 of them (read by bad1: read DENIED for bad on 'm/x'");
    expect(f!.text).toContain('it allows the reads of s0, s1, s2, s3, s4 and 195 more, whose loss it does not explain.');
  });
});
