// mosquitto-style authentication and ACLs on the bundled broker: a refused
// login and the silent drop of a publish outside the user's pattern.
import type { Lab } from '../types.js';

export const ACL_LAB_PASSWD = ['admin:admin-pw', 'user1:user1-pw', 'user2:user2-pw'].join('\n') + '\n';
export const ACL_LAB_ACL = [
  '# every user may read and write 4-level topics ending in their own name',
  'pattern readwrite +/+/+/%u',
  '',
  'user admin',
  'topic readwrite #',
].join('\n') + '\n';

export const aclLab: Lab = {
  name: 'acl',
  title: 'Users, passwords and ACLs (mosquitto 2.0 rules)',
  summary: 'a valid user and topic, a wrong password (CONNACK 5), and publishes silently dropped by the ACL (QoS 0, and QoS 1 with a PUBACK)',
  security: { passwd: ACL_LAB_PASSWD, acl: ACL_LAB_ACL, allowAnonymous: false },
  explanation: [
    'Password file: admin, user1, user2.  ACL file:',
    '    pattern readwrite +/+/+/%u      (all users: 4 levels, the last one is their name)',
    '    user admin / topic readwrite #  (admin: everything)',
    '',
    '1. "watcher" (admin) subscribes to # and sees everything that is delivered.',
    '2. user1 publishes to panama/colon/canal/user1: matches +/+/+/%u, delivered.',
    '3. user2 logs in with a wrong password: CONNACK return code 5 (not authorized)',
    '   → connect-refused finding.',
    '4. user1 publishes to panama/colon/user1 (3 levels: outside +/+/+/%u). The broker',
    '   accepts the QoS 0 publish and silently drops it, as mosquitto does: nothing on',
    '   the wire says so. mqttscope sees that the matching subscriber (watcher) got',
    '   nothing and raises undelivered-publish with the ACL explanation.',
    '5. user1 publishes to the same topic at QoS 1. The broker answers PUBACK, the',
    '   acknowledgement of success, and drops it all the same: the client believes it',
    '   was delivered. A second undelivered-publish says so.',
  ].join('\n'),
  tuiHint: 'Press 5 (findings) and select an undelivered-publish: Details gives the ACL rule that denied it (d shows all of it), and enter shows its packets.',
  lineHint: 'The connect-refused and undelivered-publish findings are the lines marked !!, with their explanation indented below; they name their packets by number (#13).',
  expectFindings: ['connect-refused', 'undelivered-publish'],
  async script(ctx) {
    await ctx.step('"watcher" logs in as admin and subscribes to #');
    const watcher = await ctx.connect('watcher', { username: 'admin', password: 'admin-pw' });
    await watcher.subscribeAsync('#', { qos: 0 });
    await ctx.step('"p-ok" logs in as user1 and publishes to panama/colon/canal/user1 (allowed)');
    const ok = await ctx.connect('p-ok', { username: 'user1', password: 'user1-pw' });
    await ok.publishAsync('panama/colon/canal/user1', 'ship passed lock 1', { qos: 0 });
    await ctx.received(watcher, 1);
    await ctx.step('"p-wrong" tries user2 with a wrong password');
    const code = await ctx.connectRefused('p-wrong', { username: 'user2', password: 'not-the-password' });
    ctx.say(`CONNACK return code ${code} (5 = not authorized)`);
    await ctx.step('"p-deny" logs in as user1 and publishes to panama/colon/user1 (outside +/+/+/%u), at QoS 0 and at QoS 1');
    const deny = await ctx.connect('p-deny', { username: 'user1', password: 'user1-pw' });
    await deny.publishAsync('panama/colon/user1', 'this never arrives', { qos: 0 });
    await deny.publishAsync('panama/colon/user1', 'acknowledged, then dropped', { qos: 1 });
    await ctx.step('the broker accepted both and dropped both, the QoS 1 one after a PUBACK (success): the watcher got nothing');
  },
};
