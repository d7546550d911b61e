// Fills the side views' SideData from the Analyzer's snapshot (live mode and
// any caller that runs analysis), so the TUI shows the analysis' own state.
import type { AnalysisSnapshot, FlowSnapshot, SessionSnapshot } from '../../analysis/index.js';
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
 * The State column: a closed session says why when that tells sessions apart (the two
 * rows of a take-over read `closed` both, the one the broker closed for the new one too).
 */
function stateText(x: SessionSnapshot): string {
  if (x.state === 'refused') return x.connackCode !== null ? `refused (${x.connackCode})` : 'refused';
  if (x.state !== 'closed') return x.state;
  if (x.takenOverBy !== null) return 'taken over';
  if (x.disconnect !== null) return 'disconnected';
  return x.closeHow === 'end' ? 'open at end' : 'closed';
}

/** How the connection ended, for the details; undefined while it is open. */
function endedText(x: SessionSnapshot): string | undefined {
  if (x.closeHow === null) return undefined;
  const parts: string[] = [];
  if (x.takenOverBy !== null) parts.push(`taken over by ${x.takenOverBy} (a CONNECT with the same client id: the broker closed this connection)`);
  if (x.disconnect !== null) {
    const d = x.disconnect;
    parts.push(`DISCONNECT from the ${d.by === 'client' ? 'client' : 'broker'} (frame ${d.frame}${x.version === 5 ? `, 0x${d.reasonCode.toString(16).padStart(2, '0')} ${d.reason}` : ''})`);
  }
  const tcp = x.closeHow === 'fin' ? 'TCP close' : x.closeHow === 'reset' ? 'TCP reset' : x.closeHow === 'error' ? 'a socket error'
    : x.closeHow === 'upstream-failed' ? 'TCP close by mqttscope, because its connection to the broker failed'
    : x.closeHow === 'proxy-closed' ? 'WebSocket and TCP close by mqttscope, because the client broke the WebSocket protocol' : 'the end of the capture or run, still open';
  parts.push(x.disconnect === null && x.takenOverBy === null && x.closeHow !== 'end' ? `${tcp}, with no DISCONNECT` : tcp);
  return parts.join('; then ');
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
    state: stateText(x),
    ended: endedText(x),
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
  let finished = 0;
  for (const st of Object.values(s.flows.stats)) finished += st.complete + st.rejected + st.incomplete + st.unobserved;
  const flowsNotKept = Math.max(0, finished - s.flows.recent.length);
  return { clients, topics, flows, ...(flowsNotKept > 0 ? { flowsNotKept } : {}) };
}
