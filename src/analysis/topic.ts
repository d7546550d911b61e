// Topic-filter matching for delivery correlation [MQTT-4.7].

/**
 * True when topic name `topic` matches subscription filter `filter`.
 * `+` matches one level; a trailing `#` matches the parent level and everything
 * below it. A wildcard at the first level never matches a topic starting with
 * '$' [MQTT-4.7.2-1].
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const fl = f[i]!;
    if (fl === '#') return i === f.length - 1;
    const tl = t[i];
    if (tl === undefined) return false;
    if (fl !== '+' && fl !== tl) return false;
  }
  return f.length === t.length;
}

export interface ParsedFilter {
  /** Share name of a `$share/{name}/{filter}` subscription, else null [MQTT-4.8.2]. */
  shareGroup: string | null;
  /** The filter that is matched against topics. */
  topicFilter: string;
}

export function parseFilter(filter: string): ParsedFilter {
  if (filter.startsWith('$share/')) {
    const rest = filter.slice('$share/'.length);
    const slash = rest.indexOf('/');
    if (slash > 0) return { shareGroup: rest.slice(0, slash), topicFilter: rest.slice(slash + 1) };
  }
  return { shareGroup: null, topicFilter: filter };
}
