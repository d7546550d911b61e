// Bridge from the analysis (delivery correlation, rejected publishes, granted
// subscriptions) to the acl_file evaluator in src/acl.
import { basename } from 'node:path';
import { effectiveUsername, explain, isAllowed, ruleLabel, type AclFile, type AclRule, type ExplainStep } from '../acl/index.js';
import type { AclCheck, AclVerdict } from './delivery.js';

/**
 * How a verdict was reached: `rule` (a line of the file decided), `no-rule` (no
 * line granted the access: mosquitto's default deny), `before-rules` (a check
 * mosquitto makes before the file decided: a $SYS write, a username or client id
 * with '+' or '#', a $share topic).
 */
export type AclDecision = 'rule' | 'no-rule' | 'before-rules';

/** A rule a finding cites, as structured fields. */
export interface AclRuleRef {
  line: number;
  /** The line as written in the file (trimmed). */
  rule: string;
  /** `user NAME`, `anonymous` (topic lines before the first `user` line) or `pattern`. */
  section: string;
  /** Why it decided, or why it did not (the explanation's reason). */
  reason?: string;
}

function section(rule: AclRule): string {
  return rule.kind === 'pattern' ? 'pattern' : rule.user === null ? 'anonymous' : `user ${rule.user}`;
}

export function ruleRef(rule: AclRule, reason?: string): AclRuleRef {
  return { line: rule.line, rule: rule.text, section: section(rule), ...(reason !== undefined ? { reason } : {}) };
}

/** How a rule is named in a finding's text: "acl.txt line 7". */
export function lineName(acl: AclFile, line: number): string {
  return `${basename(acl.path)} line ${line}`;
}

/**
 * The structured fields a finding adds for the verdict that explains it:
 * `acl_file` (the path as given to --acl), `acl_access`, `acl_allowed`,
 * `acl_decision`, `acl_line` / `acl_rule` / `acl_section` (the deciding rule, or
 * null when no line decided), `acl_rules` (every rule the text cites, with why).
 */
export function aclFields(v: AclVerdict): Record<string, unknown> {
  return {
    acl_file: v.file ?? null,
    acl_access: v.access ?? null,
    acl_allowed: v.allowed,
    acl_decision: v.decision ?? null,
    acl_line: v.rule?.line ?? null,
    acl_rule: v.rule?.rule ?? null,
    acl_section: v.rule?.section ?? null,
    acl_rules: v.cited ?? [],
  };
}

/** The client's own rules and the patterns, with the reasons they missed (what the text cites when nothing decided). */
function cited(steps: ExplainStep[], user: string | null): ExplainStep[] {
  return steps.filter((st) => st.rule !== null && st.line !== null && !/ was not (checked|reached)\b/.test(st.reason)
    && (st.rule.kind === 'pattern' || (st.rule.user ?? null) === user));
}

/** An AclCheck over a parsed acl_file: the verdict with a one-line reason and the rule it rests on. */
/** The verdict aclCheck() gives, without its explanation (about as costly as a lookup): for the many reads of one drop. */
export function aclAllowedCheck(acl: AclFile): (q: Parameters<AclCheck>[0]) => boolean {
  return ({ username, clientId, access, topic }) => isAllowed(acl, { username: effectiveUsername(username), clientId: clientId ?? undefined, access, topic });
}

export function aclCheck(acl: AclFile): AclCheck {
  const file = acl.path;
  const at = (line: number): string => lineName(acl, line);
  return ({ username, clientId, access, topic }) => {
    // mosquitto reads an empty username as none: the client is anonymous.
    const user = effectiveUsername(username);
    const ex = explain(acl, { username: user, clientId: clientId ?? undefined, access, topic });
    const who = user ?? (username === '' ? 'an anonymous client (empty username)' : 'anonymous clients');
    const head = `${access} ${ex.allowed ? 'ALLOWED' : 'DENIED'} for ${who} on '${topic}'`;
    const depends = ex.dependsOnClientId
      ? `; the client id is unknown and decides it (${ex.alternatives.filter((a) => a.allowed !== ex.allowed)
        .map((a) => `client id '${a.clientId}' would be ${a.allowed ? 'allowed' : 'denied'}${a.decidingRule ? ` by ${at(a.decidingRule.line)}` : ''}`).join(', ')})`
      : '';
    const base = { allowed: ex.allowed, full: ex.text, file, access };
    if (ex.decidingRule) {
      const r = ex.decidingRule;
      const step = ex.steps.find((st) => st.rule === r && st.decided);
      return {
        ...base, decision: 'rule', rule: ruleRef(r), cited: [ruleRef(r, step?.reason)],
        text: `${head} by ${at(r.line)}: ${ruleLabel(r)}${depends}`,
      };
    }
    // A check before the rules decided ($SYS write, a username or client id with
    // '+' or '#', an invalid topic): that is the reason. The client's own rules
    // that were looked at first still say why they missed.
    const decider = ex.steps.find((st) => st.decided && st.rule === null);
    const why = cited(ex.steps, user);
    const because = why.length > 0 ? ` (${why.map((st) => `${at(st.line!)}: ${st.reason}`).join('; ')})` : '';
    const refs = why.map((st) => ruleRef(st.rule!, st.reason));
    if (decider) {
      return { ...base, decision: 'before-rules', rule: null, cited: refs, reason: decider.reason, text: `${head}: ${decider.reason}${because}${depends}` };
    }
    return { ...base, decision: 'no-rule', rule: null, cited: refs, text: `${head}: no rule grants it${because}${depends}` };
  };
}

/** A granted subscription that the acl_file never lets deliver anything on. */
export interface SubscribeVerdict extends AclVerdict {
  /** The filter compared with the rules (FILTER of `$share/GROUP/FILTER`). */
  filter: string;
}

/** Says, for a granted subscription, whether the acl_file lets nothing ever be delivered on it (null: something can be, or it depends on an unknown client id). */
export type SubscribeCheck = (q: { username: string | null; clientId: string | null; filter: string }) => SubscribeVerdict | null;

export function subscribeCheck(acl: AclFile): SubscribeCheck {
  const file = acl.path;
  const at = (line: number): string => lineName(acl, line);
  return ({ username, clientId, filter }) => {
    const user = effectiveUsername(username);
    const ex = explain(acl, { username: user, clientId: clientId ?? undefined, access: 'subscribe', topic: filter });
    const reach = ex.reach;
    if (!ex.allowed || reach === null || !reach.never) return null;
    const who = user ?? (username === '' ? 'an anonymous client (empty username)' : 'anonymous clients');
    const head = `read DENIED for ${who} on every topic that matches '${reach.filter}'`;
    const base = { allowed: false, full: ex.text, file, access: 'read' as const, filter: reach.filter };
    const d = reach.coveringDeny;
    if (d) {
      const step = reach.considered.find((st) => st.rule === d);
      return {
        ...base, decision: 'rule', rule: ruleRef(d), cited: [ruleRef(d, step?.reason)],
        text: `${head}: ${at(d.line)} (${ruleLabel(d)}) denies all of them${d.kind === 'pattern' ? ', and no rule of its own list grants them' : ', before any grant is looked at'}`,
      };
    }
    const why = reach.considered.filter((st) => st.rule !== null && st.line !== null);
    const because = why.length > 0 ? ` (${why.map((st) => `${at(st.line!)}: ${st.reason}`).join('; ')})` : '';
    return {
      ...base, decision: 'no-rule', rule: null, cited: why.map((st) => ruleRef(st.rule!, st.reason)),
      text: `${head}: no rule grants read on any of them${because}`,
    };
  };
}
