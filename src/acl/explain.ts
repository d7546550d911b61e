// ACL evaluation exactly as mosquitto 2.0 does it (security.c acl__check_dollar()
// then security_default.c mosquitto_acl_check_default()), with the reason
// for every rule considered.
//
// Order, as in mosquitto:
//  1. '$' topics: writing $SYS/... is denied (except $SYS/broker/connection/+/state),
//     reading or writing $share/... is denied; SUBSCRIBE is always allowed here.
//  2. SUBSCRIBE/UNSUBSCRIBE: the acl_file plugin does not check them (granted);
//     every message is checked for read access when it is delivered.
//  3. The client's own list: `user NAME` rules for its username, or the rules
//     before the first `user` line when it has no username. Deny rules first
//     (mosquitto puts them at the head of the list), then grants in file order.
//     The first match that denies, or grants the access asked for, decides.
//  4. If there are patterns, a username or client id containing '+' or '#' is denied.
//  5. Patterns, deny first, then grants, with %u and %c substituted; a pattern
//     with %u is skipped for clients without a username.
//  6. Nothing decided: denied.
import type { AclFile, AclRule } from './acl-file.js';
import { explainTopicMatch, hasWildcard, topicMatches } from './topic.js';

export type CheckAccess = 'read' | 'write' | 'subscribe';

export interface AclRequest {
  /** null/undefined = the client sent no username. */
  username?: string | null;
  /** undefined = unknown; patterns using %c are then reported and skipped. */
  clientId?: string;
  access: CheckAccess;
  /** A topic name for read/write, a filter for subscribe. */
  topic: string;
}

export interface ExplainStep {
  rule: AclRule | null;
  line: number | null;
  /** The rule matched the topic (whether or not it decided). */
  matched: boolean;
  /** This step made the decision. */
  decided: boolean;
  reason: string;
}

export interface Explanation {
  allowed: boolean;
  decidingRule: AclRule | null;
  steps: ExplainStep[];
  text: string;
}

/** Display form of a rule, e.g. "pattern readwrite +/+/+/%u". */
export function ruleLabel(rule: AclRule): string {
  return `${rule.kind} ${rule.access} ${rule.topic}`;
}

function grants(rule: AclRule, access: 'read' | 'write'): boolean {
  return rule.access === 'readwrite' || rule.access === access;
}

/** Deny rules first (mosquitto prepends them, so the last one written comes first), then the rest in file order. */
function mosquittoOrder(rules: AclRule[]): AclRule[] {
  const denies = rules.filter((r) => r.access === 'deny').reverse();
  return [...denies, ...rules.filter((r) => r.access !== 'deny')];
}

/** Substitute %c and %u the way mosquitto does (other '%' sequences stay). */
export function substitutePattern(topic: string, username: string | null, clientId: string): string {
  let out = '';
  for (let i = 0; i < topic.length; i++) {
    const ch = topic[i]!;
    if (ch === '%' && i < topic.length - 1) {
      const next = topic[i + 1];
      if (next === 'c') { out += clientId; i++; continue; }
      if (next === 'u' && username !== null) { out += username; i++; continue; }
    }
    out += ch;
  }
  return out;
}

function who(req: AclRequest): string {
  const u = req.username ?? null;
  const name = u === null ? 'an anonymous client' : u;
  return req.clientId !== undefined ? `${name} (client id ${req.clientId})` : name;
}

/** Just the verdict. */
export function isAllowed(acl: AclFile | null, req: AclRequest): boolean {
  return evaluate(acl, req, false).allowed;
}

/** The verdict with every rule considered, why it matched or not, and a printable text. */
export function explain(acl: AclFile | null, req: AclRequest): Explanation {
  return evaluate(acl, req, true);
}

function evaluate(acl: AclFile | null, req: AclRequest, detailed: boolean): Explanation {
  const steps: ExplainStep[] = [];
  const username = req.username ?? null;
  const { access, topic } = req;
  const verb = access === 'subscribe' ? `subscribe to ${topic}` : `${access} ${topic}`;
  const question = `Can ${who(req)} ${verb}?`;

  const finish = (allowed: boolean, decidingRule: AclRule | null, verdict: string): Explanation => {
    if (!detailed) return { allowed, decidingRule, steps, text: '' };
    if (acl) {
      // Rules that never applied to this client, for completeness.
      for (const rule of acl.rules) {
        if (steps.some((s) => s.rule === rule)) continue;
        let reason: string;
        if (rule.kind === 'topic' && rule.user !== username) {
          reason = rule.user === null
            ? `${ruleLabel(rule)} (before any 'user' line) applies only to clients without a username`
            : `${ruleLabel(rule)} in section 'user ${rule.user}' does not apply to ${username ?? 'an anonymous client'}`;
        } else if (access === 'subscribe') {
          reason = `${ruleLabel(rule)} is not consulted for SUBSCRIBE`;
        } else {
          reason = `${ruleLabel(rule)} was not reached: the decision was already made`;
        }
        steps.push({ rule, line: rule.line, matched: false, decided: false, reason });
      }
    }
    const lines = [question];
    for (const s of steps) {
      const where = s.line !== null ? `line ${String(s.line).padStart(3)}` : '        ';
      const mark = s.decided ? (allowed ? 'ALLOW' : 'DENY ') : s.matched ? 'match' : '  -  ';
      lines.push(`  ${where}  ${mark}  ${s.reason}`);
    }
    lines.push(`Verdict: ${allowed ? 'ALLOWED' : 'DENIED'}. ${verdict}`);
    return { allowed, decidingRule, steps, text: lines.join('\n') };
  };

  // 1. '$' topics (acl__check_dollar).
  if (topic.startsWith('$SYS')) {
    if (access === 'write') {
      const ok = topicMatches('$SYS/broker/connection/+/state', topic);
      steps.push({ rule: null, line: null, matched: true, decided: !ok, reason: ok
        ? `${topic} is a bridge state topic, which mosquitto lets clients write before the ACL rules`
        : `mosquitto denies every client write to $SYS topics before looking at the ACL rules` });
      if (!ok) return finish(false, null, `mosquitto never lets a client publish to ${topic}; the PUBLISH is acknowledged and dropped.`);
    }
  } else if (topic.startsWith('$share')) {
    if (access !== 'subscribe') {
      steps.push({ rule: null, line: null, matched: true, decided: true,
        reason: `mosquitto allows $share topics only in SUBSCRIBE/UNSUBSCRIBE` });
      return finish(false, null, `${topic} cannot be ${access === 'read' ? 'read' : 'published to'} directly.`);
    }
  }

  // 2. SUBSCRIBE is not checked by the acl_file plugin.
  if (access === 'subscribe') {
    steps.push({ rule: null, line: null, matched: false, decided: true,
      reason: `mosquitto 2.0's acl_file check does not look at SUBSCRIBE: the SUBACK grants ${topic} whatever the rules say` });
    return finish(true, null,
      `The subscription is granted; each message on a topic matching ${topic} is then checked for read access when it is delivered, and silently withheld if read is denied (use --read TOPIC).`);
  }

  if (hasWildcard(topic)) {
    steps.push({ rule: null, line: null, matched: false, decided: true,
      reason: `${topic} contains a wildcard, so it is not a topic name that can be ${access === 'read' ? 'read' : 'published'}` });
    return finish(false, null, `A PUBLISH to a topic with '+' or '#' is a protocol error; the broker disconnects the client.`);
  }

  if (!acl) {
    steps.push({ rule: null, line: null, matched: true, decided: true, reason: 'no acl_file is configured, so every topic is allowed' });
    return finish(true, null, 'Without an acl_file mosquitto allows every topic.');
  }

  const consequence = access === 'write'
    ? 'mosquitto delivers it to nobody: an MQTT 3.1.1 client still gets a normal PUBACK/PUBREC (rc 0) for QoS 1/2, an MQTT 5 client gets reason code 0x87 (Not authorized), and a QoS 0 publish gets no answer at all.'
    : 'The message is silently not delivered to this client, even though its SUBSCRIBE was granted.';

  // 3. The client's own list.
  const own = username === null ? acl.anonymous : acl.users.get(username);
  const section = username === null ? 'the anonymous section' : `section 'user ${username}'`;
  if ((!own || own.length === 0) && acl.patterns.length === 0) {
    steps.push({ rule: null, line: null, matched: false, decided: true,
      reason: username === null
        ? 'there are no topic rules for clients without a username and no patterns'
        : `there is no 'user ${username}' section and no patterns` });
    return finish(false, null, `No rule applies to ${who(req)}. ${consequence}`);
  }
  for (const rule of mosquittoOrder(own ?? [])) {
    const label = `${ruleLabel(rule)} in ${section}`;
    if (topic.startsWith('$') && !rule.topic.startsWith('$')) {
      steps.push({ rule, line: rule.line, matched: false, decided: false,
        reason: `${label} does not match: ${topic} starts with '$' and the rule does not` });
      continue;
    }
    const m = explainTopicMatch(rule.topic, topic);
    if (!m.matched) {
      steps.push({ rule, line: rule.line, matched: false, decided: false, reason: `${label} does not match: ${m.reason}` });
      continue;
    }
    if (rule.access === 'deny') {
      steps.push({ rule, line: rule.line, matched: true, decided: true, reason: `${label} matches ${topic} and denies it (deny rules are checked first)` });
      return finish(false, rule, `Denied by line ${rule.line}. ${consequence}`);
    }
    if (grants(rule, access)) {
      steps.push({ rule, line: rule.line, matched: true, decided: true, reason: `${label} matches ${topic} and grants ${access}` });
      return finish(true, rule, `Allowed by line ${rule.line}.`);
    }
    steps.push({ rule, line: rule.line, matched: true, decided: false,
      reason: `${label} matches ${topic} but grants only ${rule.access}, not ${access}` });
  }

  // 4. Dangerous usernames / client ids (only when patterns exist).
  if (acl.patterns.length > 0) {
    for (const [what, value] of [['username', username], ['client id', req.clientId ?? null]] as const) {
      if (value !== null && /[+#]/.test(value)) {
        steps.push({ rule: null, line: null, matched: true, decided: true,
          reason: `the ${what} '${value}' contains '+' or '#', so mosquitto denies it everything the patterns could decide` });
        return finish(false, null, `mosquitto refuses pattern checks for a ${what} with wildcards. ${consequence}`);
      }
    }
  }

  // 5. Patterns.
  for (const rule of mosquittoOrder(acl.patterns)) {
    const label = ruleLabel(rule);
    if (rule.topic.includes('%u') && username === null) {
      steps.push({ rule, line: rule.line, matched: false, decided: false,
        reason: `${label} uses %u and the client has no username, so mosquitto skips it` });
      continue;
    }
    if (rule.topic.includes('%c') && req.clientId === undefined) {
      steps.push({ rule, line: rule.line, matched: false, decided: false,
        reason: `${label} uses %c and no client id was given (--client-id), so it is not evaluated` });
      continue;
    }
    const concrete = substitutePattern(rule.topic, username, req.clientId ?? '');
    const becomes = concrete !== rule.topic ? `${label} becomes ${concrete}` : label;
    const m = explainTopicMatch(concrete, topic);
    if (!m.matched) {
      steps.push({ rule, line: rule.line, matched: false, decided: false, reason: `${becomes}; ${m.reason}` });
      continue;
    }
    if (rule.access === 'deny') {
      steps.push({ rule, line: rule.line, matched: true, decided: true, reason: `${becomes}; it matches ${topic} and denies it` });
      return finish(false, rule, `Denied by line ${rule.line}. ${consequence}`);
    }
    if (grants(rule, access)) {
      steps.push({ rule, line: rule.line, matched: true, decided: true, reason: `${becomes}; it matches ${topic} and grants ${access}` });
      return finish(true, rule, `Allowed by line ${rule.line}.`);
    }
    steps.push({ rule, line: rule.line, matched: true, decided: false,
      reason: `${becomes}; it matches ${topic} but grants only ${rule.access}, not ${access}` });
  }

  // 6. Default deny.
  return finish(false, null, `No rule grants ${access} access to ${topic}. ${consequence}`);
}
