// ACL evaluation exactly as mosquitto 2.0 does it (security.c acl__check_dollar()
// then security_default.c mosquitto_acl_check_default()), with the reason
// for every rule considered.
//
// Order, as in mosquitto:
//  0. An empty username is no username: mosquitto reads a zero-length string
//     from CONNECT as absent, so the client is anonymous.
//  1. '$' topics: writing $SYS/... is denied (except $SYS/broker/connection/+/state),
//     reading or writing $share/... is denied; SUBSCRIBE is always allowed here.
//  2. SUBSCRIBE/UNSUBSCRIBE: an invalid filter closes the connection; otherwise the
//     acl_file plugin does not check them (granted) and every message is checked
//     for read access when it is delivered.
//  3. The client's own list: `user NAME` rules for its username, or the rules
//     before the first `user` line when it has no username. Deny rules first
//     (mosquitto puts them at the head of the list), then grants in file order.
//     The first match that denies, or grants the access asked for, decides.
//  4. If there are patterns, a username or client id containing '+' or '#' is denied.
//  5. Patterns, deny first, then grants, with %u and %c substituted; a pattern
//     with %u is skipped for clients without a username.
//  6. Nothing decided: denied.
import { filterProblem, type AclFile, type AclRule } from './acl-file.js';
import { AEDES_MAX_TOPIC_LEVELS, MOSQUITTO_MAX_TOPIC_LEVELS, explainTopicMatch, filterCovers, filtersOverlap, hasWildcard, topicMatches } from './topic.js';
import { refusedCharacter } from './mosquitto-text.js';

export type CheckAccess = 'read' | 'write' | 'subscribe';

export interface AclRequest {
  /** null/undefined = the client sent no username; '' is the same to mosquitto. */
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

/** What another client id would change, when none was given and %c patterns were skipped. */
export interface ClientIdAlternative {
  clientId: string;
  allowed: boolean;
  decidingRule: AclRule | null;
}

export interface Explanation {
  /** The verdict; without a client id, the verdict for a client id that no skipped %c pattern matches. */
  allowed: boolean;
  decidingRule: AclRule | null;
  steps: ExplainStep[];
  text: string;
  /** %c patterns that were skipped because no client id was given, and would have been checked. */
  clientIdSkipped: AclRule[];
  /** Some client id gives the other verdict (see `alternatives`). */
  dependsOnClientId: boolean;
  /** Client ids that make a skipped pattern match, each with its verdict. */
  alternatives: ClientIdAlternative[];
  /** For `subscribe` with an acl_file: what the subscription can deliver (null otherwise). */
  reach: SubscribeReach | null;
}

/** What a granted subscription can deliver under an acl_file (explain --subscribe). */
export interface SubscribeReach {
  /** The filter the rules were compared with (FILTER of `$share/GROUP/FILTER`). */
  filter: string;
  /** No topic that matches the filter is ever delivered to this client (false when a client id not given could change it). */
  never: boolean;
  /** Rules that can grant read on some topics that match the filter (the ones that count). */
  readers: AclRule[];
  /** Deny rules sharing topics with the filter. */
  denies: AclRule[];
  /** A deny rule covering the whole filter that decides `never` on its own, if that is why. */
  coveringDeny: AclRule | null;
  /** %c patterns that could grant read when the client id is not known. */
  unknownClientId: AclRule[];
  /** The steps of the rules that apply to this client (its own list and the patterns), each saying why it can or cannot deliver. */
  considered: ExplainStep[];
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

/** mosquitto reads a zero-length username as none: the client is anonymous. */
export function effectiveUsername(username: string | null | undefined): string | null {
  return username === undefined || username === '' ? null : username;
}

function who(req: AclRequest): string {
  const u = effectiveUsername(req.username);
  const name = u !== null ? u : req.username === '' ? 'an anonymous client (empty username)' : 'an anonymous client';
  if (req.clientId === '') return `${name} (empty client id)`;
  return req.clientId !== undefined ? `${name} (client id ${req.clientId})` : name;
}

/** Just the verdict. */
export function isAllowed(acl: AclFile | null, req: AclRequest): boolean {
  return evaluate(acl, req, false).allowed;
}

/**
 * The verdict with every rule considered, why it matched or not, and a printable
 * text. Without a client id, %c patterns cannot be evaluated: the verdict is then
 * given for a client id none of them matches, and client ids that make each one
 * match are tried to say whether (and how) the client id changes it.
 */
export function explain(acl: AclFile | null, req: AclRequest): Explanation {
  const ex = evaluate(acl, req, true);
  if (!acl || (req.clientId !== undefined && req.clientId !== '') || ex.clientIdSkipped.length === 0) return ex;
  const username = effectiveUsername(req.username);
  const seen = new Set<string>();
  for (const rule of ex.clientIdSkipped) {
    for (const clientId of clientIdsMatching(rule.topic, username, req.topic)) {
      if (seen.has(clientId)) continue;
      // An empty client id is replaced by one mosquitto makes up: auto-<UUID> (the default auto_id_prefix).
      if (req.clientId === '' && !clientId.startsWith(AUTO_ID_PREFIX)) continue;
      seen.add(clientId);
      const alt = evaluate(acl, { ...req, clientId }, false);
      ex.alternatives.push({ clientId, allowed: alt.allowed, decidingRule: alt.decidingRule });
    }
  }
  ex.dependsOnClientId = ex.alternatives.some((a) => a.allowed !== ex.allowed);
  const lines = ex.clientIdSkipped.map((r) => r.line).join(', ');
  const verdictAt = ex.text.lastIndexOf('\nVerdict: ');
  const head = ex.text.slice(0, verdictAt);
  const base = ex.text.slice(verdictAt + '\nVerdict: '.length);
  const describeAlt = (a: ClientIdAlternative): string =>
    `with client id '${a.clientId}' it is ${a.allowed ? 'ALLOWED' : 'DENIED'}${a.decidingRule ? ` by line ${a.decidingRule.line} (${ruleLabel(a.decidingRule)})` : ''}`;
  if (ex.dependsOnClientId) {
    const flip = ex.alternatives.filter((a) => a.allowed !== ex.allowed);
    ex.text = `${head}\nVerdict: DEPENDS ON THE CLIENT ID. Without a client id that makes line${ex.clientIdSkipped.length > 1 ? 's' : ''} ${lines} match: ${base}`
      + `\n  But ${flip.map(describeAlt).join('; ')}.`
      + `\n  Line${ex.clientIdSkipped.length > 1 ? 's' : ''} ${lines} use${ex.clientIdSkipped.length > 1 ? '' : 's'} %c and ${ex.clientIdSkipped.length > 1 ? 'were' : 'was'} skipped: give --client-id to decide.`;
  } else {
    const tried = ex.alternatives.length > 0 ? ` (${ex.alternatives.map(describeAlt).join('; ')})` : '';
    ex.text = `${head}\nVerdict: ${base}\n  Line${ex.clientIdSkipped.length > 1 ? 's' : ''} ${lines} use${ex.clientIdSkipped.length > 1 ? '' : 's'} %c and ${ex.clientIdSkipped.length > 1 ? 'were' : 'was'} skipped (${req.clientId === '' ? `the ${AUTO_ID_PREFIX}… id mosquitto assigns is not known` : 'no --client-id'}); `
      + (ex.alternatives.length > 0 ? `the client ids that make them match give the same verdict${tried}.` : `no ${req.clientId === '' ? `client id starting with ${AUTO_ID_PREFIX}` : 'client id'} makes ${ex.clientIdSkipped.length > 1 ? 'them' : 'it'} match ${req.topic}.`);
  }
  return ex;
}

/**
 * Client ids for which pattern `pattern` (with %u substituted) matches `topic`: the
 * pattern becomes a regular expression in which every %c is the same string (no '+'
 * or '#'; it may contain '/', as substitution is textual). The shortest and the longest
 * reading give up to two candidates; the caller evaluates each in full.
 */
export function clientIdsMatching(pattern: string, username: string | null, topic: string): string[] {
  // %c becomes a NUL (no client string holds one), so a '%c' inside the username stays literal, as in mosquitto.
  const concrete = substitutePattern(pattern, username, '\u0000');
  const out = new Set<string>();
  for (const lazy of [true, false]) {
    let first = true;
    const levels = concrete.split('/');
    const parts: string[] = [];
    let tail = '';
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i]!;
      if (l === '#' && i === levels.length - 1) { tail = parts.length === 0 ? '.*' : '(?:/.*)?'; break; }
      if (l === '+') { parts.push('[^/]*'); continue; }
      parts.push(l.split('\u0000').map((lit) => lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\u0000'));
    }
    const body = parts.join('/').replace(/\u0000/g, () => {
      if (!first) return '\\k<c>';
      first = false;
      return lazy ? '(?<c>[^+#]+?)' : '(?<c>[^+#]+)';
    });
    const m = new RegExp(`^${body}${tail}$`, 'su').exec(topic);
    const c = m?.groups?.['c'];
    if (c !== undefined && c !== '') out.add(c);
  }
  return [...out];
}

/**
 * For a granted SUBSCRIBE: which rules can let the client read topics matching
 * `filter` (a step per rule that applies to it), and a sentence for the verdict,
 * so that a subscription the acl_file lets deliver nothing is said to be one.
 */
function readableUnder(acl: AclFile, req: AclRequest, username: string | null, filter: string, steps: ExplainStep[]): { text: string; reach: SubscribeReach | null } {
  if (topicMatches('$share/#', filter)) return { text: '', reach: null }; // only '$share/g' (no filter) gets here; it matches nothing
  const first = steps.length;
  const reach = (never: boolean, coveringDeny: AclRule | null): SubscribeReach => ({
    filter, never, readers: [...readers], denies, coveringDeny, unknownClientId: unknown, considered: steps.slice(first),
  });
  const name = who(req);
  const readers: AclRule[] = [];
  const denies: AclRule[] = [];
  const unknown: AclRule[] = [];
  const own = username === null ? acl.anonymous : acl.users.get(username) ?? [];
  const section = username === null ? 'the anonymous section' : `section 'user ${username}'`;
  /** Deny rules that cover the whole filter: in the client's own list (nothing is sent), among the patterns (no pattern grants). */
  const covering: { own: AclRule[]; patterns: AclRule[] } = { own: [], patterns: [] };
  const look = (rule: AclRule, concrete: string, label: string): void => {
    if (rule.access === 'deny' && filterCovers(concrete, filter)) (rule.kind === 'topic' ? covering.own : covering.patterns).push(rule);
    if (!filtersOverlap(concrete, filter)) {
      steps.push({ rule, line: rule.line, matched: false, decided: false, reason: `${label}: no topic matches both it and ${filter}` });
    } else if (rule.access === 'deny') {
      denies.push(rule);
      steps.push({ rule, line: rule.line, matched: true, decided: false, reason: `${label} denies the topics it shares with ${filter}` });
    } else if (grants(rule, 'read')) {
      readers.push(rule);
      steps.push({ rule, line: rule.line, matched: true, decided: false, reason: `${label} can grant read on topics that match ${filter}` });
    } else {
      steps.push({ rule, line: rule.line, matched: false, decided: false, reason: `${label} shares topics with ${filter} but grants only ${rule.access}` });
    }
  };
  for (const rule of mosquittoOrder(own)) look(rule, rule.topic, `${ruleLabel(rule)} in ${section}`);
  const wild = acl.patterns.length > 0
    ? ([['username', username], ['client id', req.clientId ?? null]] as const).find(([, v]) => v !== null && /[+#]/.test(v))
    : undefined;
  for (const rule of mosquittoOrder(acl.patterns)) {
    const label = ruleLabel(rule);
    if (wild) {
      steps.push({ rule, line: rule.line, matched: false, decided: false, reason: `${label} is never checked: the ${wild[0]} '${wild[1]}' contains '+' or '#'` });
    } else if (rule.topic.includes('%u') && username === null) {
      steps.push({ rule, line: rule.line, matched: false, decided: false, reason: `${label} uses %u and the client has no username, so mosquitto skips it` });
    } else if (rule.topic.includes('%c') && req.clientId === undefined) {
      // %c may stand for several levels: compare only the levels before it.
      const levels = substitutePattern(rule.topic, username, '\u0000').split('/');
      const before = levels.slice(0, levels.findIndex((l) => l.includes('\u0000')));
      if (rule.access !== 'deny' && grants(rule, 'read') && filtersOverlap([...before, '#'].join('/'), filter)) unknown.push(rule);
      steps.push({ rule, line: rule.line, matched: false, decided: false, reason: `${label} uses %c and the client id is not known (--client-id), so it is not evaluated` });
    } else {
      const concrete = substitutePattern(rule.topic, username, req.clientId ?? '');
      look(rule, concrete, concrete !== rule.topic ? `${label} becomes ${concrete};` : label);
    }
  }
  const lines = (rules: AclRule[]): string => `line${rules.length > 1 ? 's' : ''} ${rules.map((r) => r.line).join(', ')}`;
  const tidy = (s: string): string => s.replace(/;:/g, ':').replace(/; (denies|can|shares)/g, '; it $1');
  for (const st of steps) st.reason = tidy(st.reason);
  if (covering.own.length > 0) {
    return { reach: reach(true, covering.own[0]!), text: ` But line ${covering.own[0]!.line} (${ruleLabel(covering.own[0]!)}) denies every topic that matches ${filter} before any grant is looked at: nothing is ever delivered on this subscription, although the SUBACK grants it.` };
  }
  if (covering.patterns.length > 0) {
    const own = readers.filter((r) => r.kind === 'topic');
    const lost = readers.length - own.length;
    readers.splice(0, readers.length, ...own);
    if (lost > 0 && readers.length === 0) {
      return { reach: reach(true, covering.patterns[0]!), text: ` The patterns that could grant read are overruled by line ${covering.patterns[0]!.line} (${ruleLabel(covering.patterns[0]!)}), which denies every topic that matches ${filter}: nothing is ever delivered on this subscription, although the SUBACK grants it.` };
    }
  }
  if (readers.length > 0) {
    return { reach: reach(false, null), text: ` Of the topics that match ${filter}, ${name} is sent only those that ${lines(readers)} let${readers.length > 1 ? '' : 's'} it read${denies.length > 0 ? ` and ${lines(denies)} do${denies.length > 1 ? '' : 'es'} not deny` : ''}; the others are withheld.` };
  }
  if (unknown.length > 0) {
    return { reach: reach(false, null), text: ` No rule lets ${name} read a topic that matches ${filter}, unless the client id makes ${lines(unknown)} grant it: otherwise nothing is ever delivered on this subscription.` };
  }
  return { reach: reach(true, null), text: ` No rule lets ${name} read a topic that matches ${filter}: nothing is ever delivered on this subscription, although the SUBACK grants it.` };
}

/** What the publisher of a denied write sees (mosquitto 2.0.11, checked on the wire). */
const WRITE_DENIED = 'mosquitto delivers it to nobody: an MQTT 3.1.1 client still gets a normal PUBACK/PUBREC (rc 0) for QoS 1/2, an MQTT 5 client gets reason code 0x87 (Not authorized), and a QoS 0 publish gets no answer at all.';

/** mosquitto's default auto_id_prefix: a client that sends an empty client id is given auto-<UUID>. */
const AUTO_ID_PREFIX = 'auto-';

function evaluate(acl: AclFile | null, request: AclRequest, detailed: boolean): Explanation {
  const steps: ExplainStep[] = [];
  // mosquitto never checks an empty client id against the rules: it gives the client one of its
  // own (auto-<UUID>) at CONNECT, so %c is that id, not '' (checked against mosquitto 2.0.11).
  const emptyClientId = request.clientId === '';
  const req: AclRequest = emptyClientId ? { ...request, clientId: undefined } : request;
  if (emptyClientId) {
    steps.push({ rule: null, line: null, matched: false, decided: false,
      reason: `the client id is empty: mosquitto gives the client one of its own (${AUTO_ID_PREFIX} and a random UUID: an MQTT 5 client gets it in the CONNACK, and mosquitto logs it), so %c is never '': give that id with --client-id` });
  }
  const clientIdSkipped: AclRule[] = [];
  const username = effectiveUsername(req.username);
  const { access, topic } = req;
  const verb = access === 'subscribe' ? `subscribe to ${topic}` : `${access} ${topic}`;
  const question = `Can ${who(request)} ${verb}?`;
  /** Set when a check before the rules decided: why the remaining rules were never looked at. */
  let notChecked: string | null = null;
  let reach: SubscribeReach | null = null;

  const finish = (allowed: boolean, decidingRule: AclRule | null, verdict: string): Explanation => {
    const base = { allowed, decidingRule, steps, clientIdSkipped, dependsOnClientId: false, alternatives: [], reach };
    if (!detailed) return { ...base, text: '' };
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
        } else if (notChecked !== null) {
          reason = `${ruleLabel(rule)} was not checked: ${notChecked}`;
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
    return { ...base, text: lines.join('\n') };
  };

  if (req.username === '') {
    steps.push({ rule: null, line: null, matched: false, decided: false,
      reason: `the username is empty, which mosquitto reads as no username: the client is anonymous` });
  }

  // 0. A string mosquitto refuses outright: the client never gets to the rules.
  for (const [what, value] of [['username', username], ['client id', req.clientId ?? null], [access === 'subscribe' ? 'filter' : 'topic', topic]] as const) {
    const bad = value === null ? null : refusedCharacter(value);
    if (bad === null) continue;
    steps.push({ rule: null, line: null, matched: true, decided: true,
      reason: `the ${what} ${value} holds ${bad.name}, which mosquitto refuses in any MQTT string${bad.cp === 0 ? ' [MQTT-1.5.3-2]' : ''}` });
    notChecked = `mosquitto refuses ${bad.name} in the ${what} before the acl_file`;
    return finish(false, null, what === 'username' || what === 'client id'
      ? `mosquitto closes the connection at CONNECT, without a CONNACK: a client with this ${what} never logs in, and so does the bundled broker.`
      : access === 'subscribe'
        ? `mosquitto closes the connection on such a SUBSCRIBE, without a SUBACK, and so does the bundled broker.`
        : access === 'write'
          ? `mosquitto closes the connection on such a PUBLISH, without acknowledging it, and so does the bundled broker.`
          : `No PUBLISH to this topic is ever accepted (mosquitto closes the publisher's connection), so nothing on it is delivered.`);
  }

  // 0b. A topic deeper than mosquitto takes: the connection is closed before the rules.
  const what = access === 'subscribe' ? 'filter' : 'topic';
  const depth = topic.split('/').length;
  if (depth > MOSQUITTO_MAX_TOPIC_LEVELS) {
    steps.push({ rule: null, line: null, matched: true, decided: true,
      reason: `the ${what} has ${depth} levels, and mosquitto takes at most ${MOSQUITTO_MAX_TOPIC_LEVELS} (${MOSQUITTO_MAX_TOPIC_LEVELS - 1} '/')` });
    notChecked = `mosquitto refuses a ${what} of more than ${MOSQUITTO_MAX_TOPIC_LEVELS} levels before the acl_file`;
    return finish(false, null, access === 'subscribe'
      ? `mosquitto closes the connection on such a SUBSCRIBE, without a SUBACK, and so does the bundled broker.`
      : access === 'write'
        ? `mosquitto closes the connection on such a PUBLISH, without acknowledging it, and so does the bundled broker.`
        : `No PUBLISH to this topic is ever accepted (mosquitto closes the publisher's connection), so nothing on it is delivered.`);
  }
  if (depth > AEDES_MAX_TOPIC_LEVELS) {
    steps.push({ rule: null, line: null, matched: false, decided: false,
      reason: `the ${what} has ${depth} levels: mosquitto takes it, but the bundled broker (aedes) closes the connection on more than ${AEDES_MAX_TOPIC_LEVELS}` });
  }

  // 1. '$' topics (acl__check_dollar).
  if (topic.startsWith('$SYS')) {
    if (access === 'write') {
      const ok = topicMatches('$SYS/broker/connection/+/state', topic);
      steps.push({ rule: null, line: null, matched: true, decided: !ok, reason: ok
        ? `${topic} is a bridge state topic, which mosquitto lets clients write before the ACL rules`
        : `mosquitto denies every client write to $SYS topics before looking at the ACL rules` });
      if (!ok) {
        notChecked = 'mosquitto refuses client writes to $SYS before the acl_file';
        return finish(false, null, `mosquitto never lets a client publish to ${topic}: ${WRITE_DENIED}`);
      }
    }
  } else if (topic.startsWith('$share')) {
    if (access !== 'subscribe') {
      steps.push({ rule: null, line: null, matched: true, decided: true,
        reason: `mosquitto allows $share topics only in SUBSCRIBE/UNSUBSCRIBE` });
      notChecked = 'mosquitto refuses $share topics outside SUBSCRIBE before the acl_file';
      return finish(false, null, access === 'read'
        ? `${topic} cannot be read directly: no client can publish to it.`
        : `${topic} cannot be published to directly: ${WRITE_DENIED}`);
    }
  }

  // 2. SUBSCRIBE is not checked by the acl_file plugin; an invalid filter ends the connection.
  if (access === 'subscribe') {
    const problem = topic === '$share' ? `'$share' needs a group name and a filter ($share/GROUP/FILTER)` : filterProblem(topic);
    if (problem) {
      steps.push({ rule: null, line: null, matched: true, decided: true,
        reason: `${topic} is not a valid topic filter: ${problem}` });
      return finish(false, null,
        `A SUBSCRIBE with an invalid filter is a protocol violation: mosquitto closes the connection without a SUBACK [MQTT-4.8.0-1], and so does the bundled broker.`);
    }
    steps.push({ rule: null, line: null, matched: false, decided: true,
      reason: `mosquitto 2.0's acl_file check does not look at SUBSCRIBE: the SUBACK grants ${topic} whatever the rules say` });
    const shared = /^\$share\/([^/]*)\/(.+)$/.exec(topic);
    const how = shared
      ? `The shared subscription is granted: each message on a topic matching ${shared[2]} goes to one member of group '${shared[1]}' in turn, is checked for read access for that member when it is delivered, and is lost for the group if that member may not read it`
      : topic.startsWith('$share/')
        ? `The subscription is granted, but ${topic} has no filter after the group name, so no message ever matches it`
        : `The subscription is granted; each message on a topic matching ${topic} is then checked for read access when it is delivered, and silently withheld if read is denied`;
    const under = acl ? readableUnder(acl, req, username, shared ? shared[2]! : topic, steps) : { text: '', reach: null };
    reach = under.reach;
    return finish(true, null, `${how} (use --read TOPIC).${under.text}`);
  }

  if (hasWildcard(topic)) {
    steps.push({ rule: null, line: null, matched: false, decided: true,
      reason: `${topic} contains a wildcard, so it is not a topic name that can be ${access === 'read' ? 'read' : 'published'}` });
    return finish(false, null, access === 'read'
      ? `No message is ever published on ${topic}: a PUBLISH to a topic with '+' or '#' is a protocol error, and mosquitto closes the publisher's connection. Read access is checked per message, on the topic it was published to: use --read with such a topic, or --subscribe ${topic} for what a subscription to this filter can deliver.`
      : `A PUBLISH to a topic with '+' or '#' is a protocol error: mosquitto closes the connection without acknowledging it, and so does the bundled broker.`);
  }

  if (!acl) {
    steps.push({ rule: null, line: null, matched: true, decided: true, reason: 'no acl_file is configured, so every topic is allowed' });
    return finish(true, null, 'Without an acl_file mosquitto allows every topic.');
  }

  const consequence = access === 'write'
    ? WRITE_DENIED
    : 'The message is silently not delivered to this client, even though its SUBSCRIBE was granted.';

  // 3. The client's own list.
  const own = username === null ? acl.anonymous : acl.users.get(username);
  const section = username === null ? 'the anonymous section' : `section 'user ${username}'`;
  if ((!own || own.length === 0) && acl.patterns.length === 0) {
    steps.push({ rule: null, line: null, matched: false, decided: true,
      reason: acl.rules.length === 0
        ? `${acl.path} has no rules at all (it is empty, or holds only comments): with an acl_file that has none, mosquitto denies every read and write, it does not fall back to allowing them`
        : username === null
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
        notChecked = `mosquitto does not check patterns for a ${what} containing '+' or '#'`;
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
        reason: `${label} uses %c and the client id is not known (--client-id), so it is not evaluated` });
      clientIdSkipped.push(rule);
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
