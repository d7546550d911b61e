// MQTT topic-filter matching as mosquitto_topic_matches_sub() does it, with reasons.
import { topicMatches as matches } from '../protocol/topic-match.js';

/**
 * True when `topic` (a topic name) matches `filter` (a subscription filter).
 * `+` matches one level, a trailing `#` matches the parent and any number of
 * levels. Topics starting with `$` are not matched by a filter whose first
 * level is a wildcard [MQTT-4.7.2-1].
 */
export function topicMatches(filter: string, topic: string): boolean {
  return matches(filter, topic);
}

export interface TopicMatch {
  matched: boolean;
  /** Why not, as a clause: "it has 4 levels and panama/colon/user1 has 3". */
  reason: string;
}

const levels = (n: number): string => `${n} level${n === 1 ? '' : 's'}`;

/** Like topicMatches, with the reason for a mismatch. */
export function explainTopicMatch(filter: string, topic: string): TopicMatch {
  if (filter.startsWith('$') !== topic.startsWith('$')) {
    return {
      matched: false,
      reason: !topic.startsWith('$')
        ? `${filter} starts with '$' and ${topic} does not`
        : filter.split('/')[0] === '#' || filter.split('/')[0] === '+'
          ? `${topic} starts with '$' and wildcards at the first level never match '$' topics`
          // No wildcard there: the first levels simply differ.
          : `level 1 is '${filter.split('/')[0]}' and ${topic} has '${topic.split('/')[0]}' there`,
    };
  }
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const fl = f[i]!;
    if (fl === '#') {
      if (i !== f.length - 1) return { matched: false, reason: `${filter} is not a valid filter ('#' must be last)` };
      return { matched: true, reason: `'#' at level ${i + 1} matches the rest of ${topic}` };
    }
    const tl = t[i];
    if (tl === undefined) {
      return { matched: false, reason: `it has ${levels(f.length)} and ${topic} has ${t.length}` };
    }
    if (fl === '+') continue;
    if (fl !== tl) {
      return { matched: false, reason: `level ${i + 1} is '${fl}' and ${topic} has '${tl}' there` };
    }
  }
  if (t.length !== f.length) {
    return { matched: false, reason: `it has ${levels(f.length)} and ${topic} has ${t.length}` };
  }
  return { matched: true, reason: `${filter} matches ${topic}` };
}

/**
 * The most levels mosquitto 2.0.11 takes in a topic or filter (200 '/'): it closes the
 * connection on a PUBLISH, SUBSCRIBE or UNSUBSCRIBE with more (checked on the wire).
 */
export const MOSQUITTO_MAX_TOPIC_LEVELS = 201;

/** The most levels the bundled broker (aedes, whose matcher is built for 100 words) takes; it closes the connection beyond. */
export const AEDES_MAX_TOPIC_LEVELS = 100;

/** True when a topic name or filter contains a wildcard character. */
export function hasWildcard(s: string): boolean {
  return s.includes('+') || s.includes('#');
}

/**
 * True when some topic name matches both filters (mosquitto's matching: a topic
 * starting with '$' is matched only by a filter starting with '$'). Used to say
 * which acl_file rules can grant read access under a SUBSCRIBE filter.
 */
export function filtersOverlap(a: string, b: string): boolean {
  if (a.startsWith('$') !== b.startsWith('$')) return false;
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true; // the rest, including the parent level
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}

/** True when every topic name that matches `filter` also matches `cover`. */
export function filterCovers(cover: string, filter: string): boolean {
  const c = cover.split('/');
  const f = filter.split('/');
  if (filter.startsWith('$') !== cover.startsWith('$')) return false;
  for (let i = 0; ; i++) {
    const p = c[i];
    const q = f[i];
    if (p === '#') return true;
    if (p === undefined || q === undefined) return p === q;
    if (q === '#') return false;
    if (p === '+') continue;
    if (q === '+' || p !== q) return false;
  }
}
