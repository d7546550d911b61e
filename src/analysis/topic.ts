// Topic-filter matching for delivery correlation [MQTT-4.7].

export { topicMatches } from '../protocol/topic-match.js';

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
