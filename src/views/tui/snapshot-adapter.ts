// Fills the side views' SideData from the Analyzer's snapshot (live mode and
// any caller that runs analysis), so the TUI shows the analysis' own state.
import type { AnalysisSnapshot, FlowSnapshot } from '../../analysis/index.js';
import type { ClientRow, FlowRow, SideData, TopicRow } from './side-model.js';

function flowRow(f: FlowSnapshot): FlowRow {
  return {
    conn: f.conn, clientId: f.clientId, packetId: f.packetId, kind: f.kind, state: f.state, topic: f.topic,
    steps: f.steps.map((s) => s.type).join(' → ') + (f.retransmissions ? ` (${f.retransmissions} re-sent)` : ''),
    latencyMs: f.totalUs === null ? null : f.totalUs / 1000,
    frames: f.steps.map((s) => s.frame),
  };
}

/**
 * `local` is the TUI's own SideData from the records: the analysis keeps no
 * retained value once an empty retained publish removes it, the records tell
 * that it was cleared ('').
 */
export function sideDataFromSnapshot(s: AnalysisSnapshot, local?: SideData): SideData {
  const clients: ClientRow[] = s.sessions.map((x) => ({
    conn: x.conn,
    clientId: x.clientId,
    version: x.version,
    username: x.username,
    keepAlive: x.keepAlive,
    cleanSession: x.cleanStart,
    sessionPresent: x.sessionPresent,
    will: x.will ? `${x.will.topic} = ${x.will.preview} q${x.will.qos}${x.will.retain ? ' r' : ''}` : null,
    state: x.state === 'refused' && x.connackCode !== null ? `refused (${x.connackCode})` : x.state,
    subscriptions: [
      ...x.subscriptions.map((u) => `${u.filter} q${u.grantedQos}${u.inherited ? ' (kept)' : ''}`),
      // The snapshot lists 100; past its caps the analysis does not know them all (docs/analysis.md).
      ...(x.subscriptionsNotListed > 0 ? [`… +${x.subscriptionsNotListed} more`] : []),
      ...(x.subscriptionsIncomplete ? ['(not all known to the analysis)'] : []),
    ],
    packets: x.packets.c2s + x.packets.s2c,
    assigned: x.assignedClientId !== null,
  }));
  const cleared = new Set(local?.topics.filter((t) => t.retained === '').map((t) => t.topic));
  const topics: TopicRow[] = s.topics
    .map((t) => ({
      topic: t.topic, messages: t.published,
      retained: t.retained ? t.retained.preview : cleared.has(t.topic) ? '' : null,
      lastPayload: t.lastPreview,
    }))
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  const flows = [...s.flows.recent, ...s.flows.inFlight].sort((a, b) => a.startedAt - b.startedAt).map(flowRow);
  return { clients, topics, flows };
}
