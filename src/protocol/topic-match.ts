// MQTT topic-filter matching [MQTT 3.1.1 §4.7], the one implementation shared by
// the display filter (`topic matches "home/+/temp"`), delivery correlation and
// the ACL evaluator.
// `+` matches exactly one level, `#` matches the rest (including the parent
// level: `a/#` matches `a`), and a filter starting with a wildcard does not
// match topics starting with `$` [MQTT-4.7.2-1].

/** Why a topic filter is invalid, with the index of the offending character; null when valid. */
export function topicFilterProblem(filter: string): { index: number; reason: string } | null {
  if (filter.length === 0) return { index: 0, reason: 'an empty topic filter matches nothing' };
  let levelStart = 0;
  for (let i = 0; i <= filter.length; i++) {
    if (i < filter.length && filter[i] !== '/') continue;
    const level = filter.slice(levelStart, i);
    const hash = level.indexOf('#');
    if (hash >= 0 && (level.length !== 1 || i !== filter.length)) {
      return { index: levelStart + hash, reason: "'#' must be the last level of a topic filter, on its own (e.g. \"home/#\") [MQTT-4.7.1-2]" };
    }
    const plus = level.indexOf('+');
    if (plus >= 0 && level.length !== 1) {
      return { index: levelStart + plus, reason: "'+' must fill a whole level of a topic filter (e.g. \"home/+/temp\") [MQTT-4.7.1-3]" };
    }
    levelStart = i + 1;
  }
  return null;
}

/** `#` somewhere other than alone in the last level [MQTT-4.7.1-2] (5.0: -1). */
export const FILTER_BAD_HASH = 1;
/** `+` sharing a level with other characters [MQTT-4.7.1-3] (5.0: -2). */
export const FILTER_BAD_PLUS = 2;

/** Every wildcard misuse in a topic filter, as FILTER_BAD_* bits (0 when none). */
export function filterWildcardProblems(filter: string): number {
  let bad = 0;
  const n = filter.length;
  for (let i = 0; i < n; i++) {
    const c = filter.charCodeAt(i);
    if (c !== 0x23 && c !== 0x2b) continue;
    // The wildcard must be alone between separators (or the string ends).
    const alone = (i === 0 || filter.charCodeAt(i - 1) === 0x2f) && (i + 1 === n || filter.charCodeAt(i + 1) === 0x2f);
    if (c === 0x23) {
      if (!alone || i + 1 !== n) bad |= FILTER_BAD_HASH;
    } else if (!alone) {
      bad |= FILTER_BAD_PLUS;
    }
  }
  return bad;
}

/** Compile a (valid) topic filter into a matcher. */
export function topicMatcher(filter: string): (topic: string) => boolean {
  const levels = filter.split('/');
  const wildFirst = filter[0] === '+' || filter[0] === '#';
  if (!filter.includes('+') && !filter.includes('#')) return (t) => t === filter;
  return (topic) => {
    if (wildFirst && topic[0] === '$') return false; // [MQTT-4.7.2-1]
    let pos = 0;
    for (let li = 0; li < levels.length; li++) {
      const lv = levels[li]!;
      if (lv === '#') return li === levels.length - 1; // also matches the parent level [MQTT-4.7.1-2]; only valid last
      if (pos > topic.length) {
        return false;
      }
      let next = topic.indexOf('/', pos);
      if (next < 0) next = topic.length;
      if (lv !== '+' && (next - pos !== lv.length || !topic.startsWith(lv, pos))) return false;
      pos = next + 1;
      // `a/#` matches `a`: the topic ended exactly before a final '#'.
      if (pos > topic.length && li + 1 < levels.length) return levels[li + 1] === '#' && li + 2 === levels.length;
    }
    return pos > topic.length;
  };
}

/** Compiled matchers by filter: subscriptions are few and matched on every publish. */
const compiled = new Map<string, (topic: string) => boolean>();

export function topicMatches(filter: string, topic: string): boolean {
  let m = compiled.get(filter);
  if (!m) {
    if (compiled.size >= 4096) compiled.clear();
    m = topicMatcher(filter);
    compiled.set(filter, m);
  }
  return m(topic);
}
