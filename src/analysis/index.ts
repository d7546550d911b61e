// Public API of analysis/: the Analyzer observer and its snapshot types.
export {
  Analyzer, DEFAULT_DELIVERY_WINDOW_US, SNAPSHOT_SUBSCRIPTIONS,
  type AnalyzerOptions, type AnalysisSnapshot, type SessionSnapshot, type SubscriptionSnapshot,
  type ClientSnapshot, type FlowSnapshot,
} from './analyzer.js';
export type { TopicStats, RetainedValue } from './topics.js';
export type { FlowKind, FlowState, FlowStep, FlowStats } from './flows.js';
export { topicMatches, parseFilter } from './topic.js';
export { MAX_SUBSCRIPTIONS } from './sessions.js';
