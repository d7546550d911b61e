// undelivered-publish text with an acl_file that allows the write and denies the read
// of some subscribers (not all): the text names each denied subscriber with its rule,
// and who the file lets read it. And a publish to many subscribers names the first 20
// in its text, not all of them.
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Harness } from './engine-harness.js';

const ACL = parseAclFile('user admin\ntopic readwrite #\n\nuser r1\ntopic read a/#\n\nuser w\ntopic write c/#\n', 'acl.txt');

describe('undelivered-publish with some reads denied', () => {
  it('names the subscriber denied, the topic and the rule, and the one the file lets read it', () => {
    const h = new Harness({ brokerKind: 'mosquitto', acl: ACL });
    h.conn().login('adm', 'admin').sub(1, '#');
    h.conn().login('r1', 'r1').sub(1, 'c/#');
    const w = h.conn().login('w', 'w');
    h.wait(300);
    w.publish({ topic: 'c/2', payload: 'z' });
    h.end();
    const f = h.byCode('undelivered-publish');
    expect(f).toHaveLength(1);
    const text = f[0]!.text;
    expect(text).toContain("The acl_file allows this write (write ALLOWED for w on 'c/2' by acl.txt line 8: topic write c/#), so the drop is not explained by the ACL.");
    expect(text).toContain("It denies the read of 1 of them (read by r1: read DENIED for r1 on 'c/2': no rule grants it (acl.txt line 5: topic read a/# in section 'user r1'");
    expect(text).toContain('it allows the read of adm, whose loss it does not explain.');
    expect(f[0]!.extra?.['acl_confirmed']).toBe(false);
  });
});

describe('undelivered-publish to many subscribers', () => {
  it('lists the first 20 in its text and counts the rest; extra lists 20 and counts them too', () => {
    const h = new Harness({ brokerKind: 'mosquitto' });
    for (let k = 0; k < 30; k++) h.conn().login(`many${k}`, 'u').sub(1, 'many/#');
    const p = h.conn().login('pub', 'p');
    h.wait(300);
    p.publish({ topic: 'many/x', payload: 'm' });
    h.end();
    const f = h.byCode('undelivered-publish');
    expect(f).toHaveLength(1);
    expect(f[0]!.text).toContain("none of the 30 subscriber(s) whose filters match (many0: 'many/#', ");
    expect(f[0]!.text).toContain("many19: 'many/#' and 10 more)");
    expect(f[0]!.text).not.toContain('many20');
    expect(f[0]!.extra?.['subscribers']).toHaveLength(20);
    expect(f[0]!.extra?.['subscriber_count']).toBe(30);
  });
});
