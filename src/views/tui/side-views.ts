// Side views as table rows: clients/sessions, topic tree, QoS flows, findings.
// Each returns a header, one plain row per item and the detail lines of the
// selected item; the app draws them through a Viewport like the packet list.
import type { Finding } from '../../model/packet.js';
import type { SideData } from './side-model.js';
import { esc, fit, printable } from './text.js';

export type SideName = 'clients' | 'topics' | 'flows' | 'findings';

export interface SideTable {
  title: string;
  header: string;
  rows: string[];
  /** Tag colour per row, optional. */
  colours?: (string | null)[];
  detail(i: number, width: number): string[];
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  const w = Math.max(10, width);
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line && line.length + 1 + word.length > w) { out.push(line); line = ''; }
      line = line ? `${line} ${word}` : word;
      while (line.length > w) { out.push(line.slice(0, w)); line = line.slice(w); }
    }
    out.push(line);
  }
  return out;
}

/**
 * How a row names its client: the client id, or for an empty (or not yet seen) one the
 * client's port, as the packet list does (`:50432`), never a bare `?` or a blank.
 */
export function clientLabel(clientId: string | null | undefined, conn: string): string {
  if (clientId) return clientId;
  const port = /^(?:\[[^\]]*\]|[^-]*?):(\d+)-/.exec(conn)?.[1];
  return port ? `:${port}` : conn;
}

/**
 * The MQTT version a CONNECT's protocol level stands for: the level of MQTT 3.1.1 is 4,
 * which a student reads as "MQTT 4" when shown bare.
 */
function versionText(level: number | null): string {
  return level === null ? '?' : level === 3 ? '3.1' : level === 4 ? '3.1.1' : level === 5 ? '5.0' : `?${level}`;
}

/** The client id as the details line says it. */
function clientIdText(clientId: string | null, known: boolean, assigned = false): string {
  // The packet list names the CONNECT by this id too, while its tree shows Client Identifier "".
  if (clientId && assigned) return `${JSON.stringify(clientId)} (assigned by the broker: the CONNECT sent "")`;
  if (clientId) return JSON.stringify(clientId);
  return known ? '"" (empty)' : '(no CONNECT seen)';
}

export function clientsTable(d: SideData, width: number): SideTable {
  const cs = d.clients;
  const idW = Math.max(10, Math.min(24, Math.floor(width / 5)));
  const userW = 10;
  const rest = Math.max(10, width - idW - userW - 5 - 5 - 6 - 12 - 6);
  return {
    title: `Clients / sessions (${cs.length})`,
    header: `${fit('Client id', idW)} ${fit('MQTT', 5)} ${fit('User', userW)} ${fit('KA', 5, 'right')} ${fit('Clean', 5)} ${fit('State', 12)} ${fit('Subscriptions / will', rest)}`,
    rows: cs.map((c) => [
      fit(printable(clientLabel(c.clientId, c.conn)), idW), fit(versionText(c.version), 5), fit(printable(c.username ?? '-'), userW),
      fit(c.keepAlive === null ? '' : String(c.keepAlive), 5, 'right'), fit(c.cleanSession === null ? '' : c.cleanSession ? 'yes' : 'no', 5),
      fit(c.state, 12),
      fit(printable([c.subscriptions.join(' '), c.will ? `will: ${c.will}` : ''].filter(Boolean).join('  ')), rest),
    ].join(' ')),
    colours: cs.map((c) => (c.state.startsWith('refused') ? 'red-fg' : c.state === 'connected' ? 'green-fg' : null)),
    detail: (i, w) => {
      const c = cs[i];
      if (!c) return [];
      return [
        `connection ${c.conn}   client id ${clientIdText(c.clientId, c.version !== null, c.assigned === true)}   MQTT ${versionText(c.version)}${c.version === null ? '' : ` (protocol level ${c.version})`}   user ${c.username ?? '(none)'}`,
        // MQTT 5 renamed the flag: Clean Start (the session's lifetime is the Session Expiry Interval).
        `keep-alive ${c.keepAlive ?? '?'} s   ${c.version === 5 ? 'clean start' : 'clean session'} ${c.cleanSession ?? '?'}   session present ${c.sessionPresent ?? '?'}   state ${c.state}   packets ${c.packets}`,
        ...(c.ended ? wrap(`ended: ${c.ended}`, w) : []),
        `will: ${c.will ?? '(none)'}`,
        ...wrap(`subscriptions: ${c.subscriptions.length ? c.subscriptions.join(', ') : '(none)'}`, w),
      ].map(printable);
    },
  };
}

export function topicsTable(d: SideData, width: number): SideTable {
  // A tree: sort by topic and indent each level; intermediate levels appear once.
  const ts = d.topics;
  const rows: string[] = [];
  const refs: (number | null)[] = [];
  /** The topic level a row without a topic of its own stands for (`Room1/`), by row. */
  const levels = new Map<number, string>();
  const seen = new Set<string>();
  const cntW = 7;
  const nameW = Math.max(16, Math.floor((width - cntW - 2) * 0.55));
  const valW = Math.max(8, width - nameW - cntW - 2);
  ts.forEach((t, idx) => {
    const parts = t.topic.split('/');
    for (let k = 1; k < parts.length; k++) {
      const prefix = parts.slice(0, k).join('/');
      if (seen.has(prefix)) continue;
      seen.add(prefix);
      levels.set(rows.length, `${prefix}/`);
      rows.push(`${fit(printable(`${'  '.repeat(k - 1)}${parts[k - 1] || '(empty)'}/`), nameW)} ${fit('', cntW)} `);
      refs.push(null);
    }
    seen.add(t.topic);
    const leaf = `${'  '.repeat(parts.length - 1)}${parts[parts.length - 1] || '(empty)'}`;
    const val = t.retained === null ? '' : t.retained === '' ? 'retained: (cleared)' : `retained: ${t.retained}`;
    rows.push(`${fit(printable(leaf), nameW)} ${fit(String(t.messages), cntW, 'right')} ${fit(printable(val || t.lastPayload), valW)}`);
    refs.push(idx);
  });
  return {
    title: `Topics (${ts.length})`,
    header: `${fit('Topic', nameW)} ${fit('Msgs', cntW, 'right')} ${fit('Retained value (or last payload)', valW)}`,
    rows,
    colours: refs.map((r) => (r === null ? 'blue-fg' : ts[r]!.retained ? 'yellow-fg' : null)),
    detail: (i) => {
      const r = refs[i];
      const t = r === null || r === undefined ? undefined : ts[r];
      const level = levels.get(i);
      if (!t && level !== undefined) {
        // A level row (`Room1/`): what is published under it, not an empty area.
        const under = ts.filter((x) => x.topic.startsWith(level));
        const retained = under.filter((x) => x.retained).length;
        const msgs = under.reduce((a, x) => a + x.messages, 0);
        return [printable(`topic level ${JSON.stringify(level)}   ${under.length} topic${under.length === 1 ? '' : 's'} under it, ${msgs} message${msgs === 1 ? '' : 's'} published, ${retained} retained`)];
      }
      if (!t) return [];
      return [
        `topic ${JSON.stringify(t.topic)}   messages published ${t.messages}`,
        `retained: ${t.retained === null ? '(none seen)' : t.retained === '' ? '(cleared by an empty retained publish)' : t.retained}`,
        `last payload: ${t.lastPayload}`,
      ].map(printable);
    },
  };
}

export function flowsTable(d: SideData, width: number): SideTable {
  const fs = d.flows;
  const stepsW = Math.max(10, width - 12 - 6 - 14 - 18 - 9 - 5);
  return {
    title: `QoS / packet-id flows (${fs.length}${d.flowsNotKept ? `; ${d.flowsNotKept} older finished ones not kept` : ''})`,
    header: `${fit('Client', 12)} ${fit('PktId', 6, 'right')} ${fit('Kind', 14)} ${fit('State', 18)} ${fit('Latency', 9, 'right')} ${fit('Steps', stepsW)}`,
    rows: fs.map((f) => [
      fit(printable(clientLabel(f.clientId, f.conn)), 12), fit(f.packetId === null ? '' : String(f.packetId), 6, 'right'), fit(f.kind, 14),
      fit(f.state, 18), fit(f.latencyMs === null ? '' : `${f.latencyMs.toFixed(1)}ms`, 9, 'right'), fit(f.steps, stepsW),
    ].join(' ')),
    colours: fs.map((f) => (f.state === 'complete' ? null : f.state === 'rejected' || f.state === 'incomplete' ? 'red-fg' : 'yellow-fg')),
    detail: (i, w) => {
      const f = fs[i];
      if (!f) return [];
      return [
        `${f.kind} packet id ${f.packetId ?? '-'} on ${f.conn} (client ${clientLabel(f.clientId, f.conn)})${f.topic ? ` topic ${f.topic}` : ''}`,
        ...wrap(`steps: ${f.steps}   state: ${f.state}${f.latencyMs !== null ? `   total ${f.latencyMs.toFixed(3)} ms` : ''}   frames ${f.frames.join(', ')}`, w),
      ].map(printable);
    },
  };
}

const SEV: Record<string, string> = { error: 'red-fg', warn: 'yellow-fg', info: 'cyan-fg' };

/** `dropped`: older findings counted, not kept (the TUI keeps the last 10,000). */
export function findingsTable(fs: readonly Finding[], width: number, dropped = 0): SideTable {
  const textW = Math.max(10, width - 6 - 20 - 12 - 10 - 4);
  return {
    title: `Findings (${dropped ? `${fs.length + dropped}, the ${dropped} oldest not kept` : fs.length})  enter: jump to its packets`,
    header: `${fit('Sev', 6)} ${fit('Code', 20)} ${fit('Client', 12)} ${fit('Frames', 10)} ${fit('Text', textW)}`,
    rows: fs.map((f) => [
      fit(f.severity, 6), fit(f.code, 20), fit(printable(clientLabel(f.clientId, f.conn)), 12), fit(f.frames.join(','), 10), fit(printable(f.text), textW),
    ].join(' ')),
    colours: fs.map((f) => SEV[f.severity] ?? null),
    detail: (i, w) => {
      const f = fs[i];
      if (!f) return [];
      const extra = Object.entries(f.extra).filter(([, v]) => v !== undefined && typeof v !== 'object').map(([k, v]) => `${k}=${String(v)}`).join('  ');
      return [
        `${f.severity} ${f.code}  client ${clientLabel(f.clientId, f.conn)}  user ${f.username ?? '-'}  conn ${f.conn}  frames ${f.frames.join(', ')}${f.topic ? `  topic ${f.topic}` : ''}`,
        ...wrap(f.text, w),
        ...(extra ? wrap(extra, w) : []),
      ].map(printable);
    },
  };
}

/** Draw a table row with selection and colour, escaped, exactly `width` wide. */
export function tableRow(text: string, width: number, selected: boolean, colour: string | null | undefined): string {
  const s = esc(fit(text, width));
  if (selected) return `{inverse}${s}{/inverse}`;
  return colour ? `{${colour}}${s}{/${colour}}` : s;
}
