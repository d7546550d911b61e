// Bridge from delivery correlation to the acl_file evaluator in src/acl.
import { explain, ruleLabel, type AclFile } from '../acl/index.js';
import type { AclCheck } from './delivery.js';

/** An AclCheck over a parsed acl_file: the verdict with a one-line reason. */
export function aclCheck(acl: AclFile): AclCheck {
  return ({ username, clientId, access, topic }) => {
    const ex = explain(acl, { username, clientId: clientId ?? undefined, access, topic });
    const who = username ?? 'anonymous clients';
    const head = `${access} ${ex.allowed ? 'ALLOWED' : 'DENIED'} for ${who} on '${topic}'`;
    if (ex.decidingRule) {
      return { allowed: ex.allowed, text: `${head} by line ${ex.decidingRule.line}: ${ruleLabel(ex.decidingRule)}`, full: ex.text };
    }
    // No deciding rule: say why each rule that applies to this user missed, e.g.
    // "line 4: pattern readwrite +/+/+/%u becomes +/+/+/user1; it has 4 levels and … has 3".
    const why = ex.steps
      .filter((st) => st.rule !== null && (st.rule.kind === 'pattern' || (st.rule.user ?? null) === (username ?? null)))
      .map((st) => `line ${st.line}: ${st.reason}`);
    const because = why.length > 0 ? ` (${why.join('; ')})` : '';
    return { allowed: ex.allowed, text: `${head}: no rule grants it${because}`, full: ex.text };
  };
}
