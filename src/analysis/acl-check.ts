// Bridge from delivery correlation to the acl_file evaluator in src/acl.
import { effectiveUsername, explain, ruleLabel, type AclFile } from '../acl/index.js';
import type { AclCheck } from './delivery.js';

/** An AclCheck over a parsed acl_file: the verdict with a one-line reason. */
export function aclCheck(acl: AclFile): AclCheck {
  return ({ username, clientId, access, topic }) => {
    // mosquitto reads an empty username as none: the client is anonymous.
    const user = effectiveUsername(username);
    const ex = explain(acl, { username: user, clientId: clientId ?? undefined, access, topic });
    const who = user ?? (username === '' ? 'an anonymous client (empty username)' : 'anonymous clients');
    const head = `${access} ${ex.allowed ? 'ALLOWED' : 'DENIED'} for ${who} on '${topic}'`;
    const depends = ex.dependsOnClientId
      ? `; the client id is unknown and decides it (${ex.alternatives.filter((a) => a.allowed !== ex.allowed)
        .map((a) => `client id '${a.clientId}' would be ${a.allowed ? 'allowed' : 'denied'}${a.decidingRule ? ` by line ${a.decidingRule.line}` : ''}`).join(', ')})`
      : '';
    if (ex.decidingRule) {
      return { allowed: ex.allowed, text: `${head} by line ${ex.decidingRule.line}: ${ruleLabel(ex.decidingRule)}${depends}`, full: ex.text };
    }
    // A check before the rules decided ($SYS write, a username or client id with
    // '+' or '#', an invalid topic): that is the reason. The client's own rules
    // that were looked at first still say why they missed.
    const decider = ex.steps.find((st) => st.decided && st.rule === null);
    const why = ex.steps
      .filter((st) => st.rule !== null && st.line !== null && !/ was not (checked|reached)\b/.test(st.reason)
        && (st.rule.kind === 'pattern' || (st.rule.user ?? null) === user))
      .map((st) => `line ${st.line}: ${st.reason}`);
    const because = why.length > 0 ? ` (${why.join('; ')})` : '';
    if (decider) {
      return { allowed: ex.allowed, text: `${head}: ${decider.reason}${because}${depends}`, full: ex.text };
    }
    return { allowed: ex.allowed, text: `${head}: no rule grants it${because}${depends}`, full: ex.text };
  };
}
