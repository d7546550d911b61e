// Human report of a replay: one block per connection, then a verdict line.
import type { Difference } from './compare.js';
import type { ReplayResult } from './player.js';
import { packetTypeName } from '../protocol/packet-types.js';
import { printable } from '../views/format.js';

const PREFIX: Record<Difference['kind'], string> = {
  changed: '~ ', missing: '- missing: ', extra: '+ extra: ', closed: '! ', late: '~ late: ', 'not-sent': '- not sent: ',
};

/** A socket error code as a reason a person can act on, the code kept for searching. */
export function socketProblem(code: string): string {
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused (is a broker listening there?)';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'unknown host';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'host unreachable';
    case 'ETIMEDOUT': return 'the connection timed out';
    default: return code;
  }
}

export interface ReportOptions {
  /** Leave out the connections that got the same answers (--only-different): one line counts them. */
  onlyDifferent?: boolean;
}

/** `clientIdSuffix`: what --suffix-client-ids appended to every non-empty client id, named next to the captured one. */
export function formatReport(res: ReplayResult, target: string, clientIdSuffix?: string, opts: ReportOptions = {}): string {
  const lines: string[] = [];
  let differing = 0;
  for (const c of res.conns) {
    const s = c.script;
    // Captured client ids are network data: control characters (ESC) would reach the terminal.
    const id = s.clientId === null ? null : printable(s.clientId);
    const sentAs = clientIdSuffix && id ? ` (sent as '${id}${printable(clientIdSuffix)}')` : '';
    const who = `#${s.index} ${s.meta.id}${id !== null ? ` client '${id}'${sentAs}` : ''}`;
    // What was written to the broker, which falls short of the script when the broker closed first.
    const sent = c.sent === s.sentCount ? `${c.sent}` : `${c.sent} of ${s.sentCount}`;
    const summary = `${sent} packet(s) sent, ${s.answerCount} answer(s) in the capture, ${c.received} now`;
    if (c.diffs.length === 0 && c.diffsNotListed === 0 && c.errors.length === 0) {
      if (!opts.onlyDifferent) lines.push(`${who}: same answers (${summary})`);
      continue;
    }
    differing++;
    lines.push(`${who}: DIFFERENT (${summary})`);
    const first = s.firstSent;
    if (first && first.type !== 1 && s.gapBeforeFirstSent !== null) {
      // The CONNECT was not captured (snap length, lost segments): the capture did see the connection start.
      lines.push(`  note: the client's first bytes on this connection are missing from the capture (a gap in capture frame ${s.gapBeforeFirstSent}: cut by the snap length or segments not captured), so its CONNECT was not captured and the first packet sent is ${packetTypeName(first.type)} (capture frame ${first.frame}); a broker closes a connection whose first packet is not a CONNECT [MQTT-3.1.0-1], so its answers cannot match`);
    } else if (first && first.type !== 1) {
      // A capture that began mid-connection: replaying it cannot reproduce the session.
      lines.push(`  note: the capture has no CONNECT on this connection (it began mid-connection, first packet ${packetTypeName(first.type)} in capture frame ${first.frame}); a broker closes a connection whose first packet is not a CONNECT [MQTT-3.1.0-1], so its answers cannot match`);
    }
    const gap = s.answersGap;
    if (gap && gap.beforeFirstAnswer && s.answerCount === 0) {
      // A one-way capture (a capture filter, a span port that saw only the client's side): nothing to compare with.
      lines.push(`  note: none of the broker's packets on this connection are in the capture (its side is missing from capture frame ${gap.frame} on: a one-way capture, e.g. a capture filter or a span port that saw only the client's traffic), so every answer now is listed as extra`);
    } else if (gap) {
      lines.push(`  note: some of the broker's bytes on this connection are missing from the capture (a gap in capture frame ${gap.frame}: segments not captured or cut by the snap length), so answers it hid show as extra now`);
    }
    for (const e of c.errors) {
      lines.push(c.connected
        ? `  connection to ${target}: ${socketProblem(e)}`
        : `  could not connect to ${target}: ${socketProblem(e)}; nothing of this connection was sent`);
    }
    for (const d of c.diffs) lines.push(`  ${PREFIX[d.kind]}${d.text}`);
    if (c.diffsNotListed > 0) lines.push(`  … and ${c.diffsNotListed} more difference(s), not listed`);
  }
  const same = res.conns.length - differing;
  if (opts.onlyDifferent && res.conns.length > 0) lines.push(`${same} connection(s) got the same answers as in the capture (not listed: --only-different)`);
  if (res.interrupted) {
    // Stopped early (Ctrl-C): say so first, and never call it the same answers.
    lines.push(`replay stopped before the end of the capture: ${res.conns.length} connection(s) started, ${differing} of them with different answers so far (answers the capture shows after the last packet played are not counted as missing; connections that had not started are not listed)`);
    return lines.join('\n') + '\n';
  }
  lines.push(res.conns.length === 0
    ? 'no MQTT client connections in the capture: nothing was replayed (MQTT is found on port 1883, on each --port N, and on other ports where the client\'s CONNECT was captured)'
    : differing === 0
      ? `${res.conns.length} connection(s) replayed against ${target}: the broker answered exactly as in the capture`
      : `${differing} of ${res.conns.length} connection(s) replayed against ${target} got different answers`);
  return lines.join('\n') + '\n';
}
