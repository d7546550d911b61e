// Human report of a replay: one block per connection, then a verdict line.
import type { ReplayResult } from './player.js';

export function formatReport(res: ReplayResult, target: string): string {
  const lines: string[] = [];
  let differing = 0;
  for (const c of res.conns) {
    const s = c.script;
    const who = `#${s.index} ${s.meta.id}${s.clientId !== null ? ` client '${s.clientId}'` : ''}`;
    const summary = `${s.sent.length} packet(s) sent, ${s.answers.length} answer(s) in the capture, ${c.received.length} now`;
    if (c.diffs.length === 0 && c.errors.length === 0) {
      lines.push(`${who}: same answers (${summary})`);
      continue;
    }
    differing++;
    lines.push(`${who}: DIFFERENT (${summary})`);
    for (const e of c.errors) lines.push(`  connection to ${target}: ${e}`);
    for (const d of c.diffs) lines.push(`  ${d.kind === 'missing' ? '- missing: ' : d.kind === 'extra' ? '+ extra: ' : '~ '}${d.text}`);
  }
  lines.push(res.conns.length === 0
    ? 'no MQTT client connections in the capture'
    : differing === 0
      ? `${res.conns.length} connection(s) replayed against ${target}: the broker answered exactly as in the capture`
      : `${differing} of ${res.conns.length} connection(s) replayed against ${target} got different answers`);
  return lines.join('\n') + '\n';
}
