// What a lab says (explanation, hints, narration) against what it really showed:
// the line view's records of one fast run per lab, on the bundled broker (runLab, as
// `mqttscope lab` runs it) and on mosquitto 2.0.11 (the same script and files through
// the proxy: the labs teach what mosquitto does), and the TUI's own column header and
// key table for the TUI hints. mosquitto missing is a failure, not a skip.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/acl/index.js';
import { Analyzer } from '../../src/analysis/index.js';
import { LABS, runLab } from '../../src/lab/index.js';
import { MqttLabContext } from '../../src/lab/context.js';
import { nowUs, startProxy } from '../../src/proxy/index.js';
import { createView } from '../../src/views/index.js';
import { GLOBAL_KEYS } from '../../src/views/tui/keymap.js';
import { headerRow } from '../../src/views/tui/packet-row.js';
import { startTestMosquitto } from '../helpers/mosquitto.js';

const lab = (name: string) => LABS.find((l) => l.name === name)!;

interface Rec { no: number; client: string; dir: string; type: string; rest: string }
interface Run { text: string; recs: Rec[]; findings: Array<{ code: string; frames: number[]; client: string }> }

type Broker = 'aedes' | 'mosquitto';

async function play(name: string, broker: Broker): Promise<Run> {
  let text = '';
  const out = new Writable({ write(chunk, _e, cb) { text += String(chunk); cb(); } });
  if (broker === 'aedes') await runLab(lab(name), { fast: true, out });
  else await playOnMosquitto(name, out);
  return parse(text);
}

/** The lab's script and security files against mosquitto, through the proxy, into the line view. */
async function playOnMosquitto(name: string, out: Writable): Promise<void> {
  const l = lab(name);
  const dir = await mkdtemp(join(tmpdir(), 'mqttscope-lab-mosq-'));
  const files: { passwdFile?: string; aclFile?: string } = {};
  if (l.security?.passwd) await writeFile((files.passwdFile = join(dir, 'passwd')), l.security.passwd);
  if (l.security?.acl) await writeFile((files.aclFile = join(dir, 'acl')), l.security.acl);
  const m = await startTestMosquitto({ ...files, ...(l.security?.allowAnonymous !== undefined ? { allowAnonymous: l.security.allowAnonymous } : {}) });
  const view = createView('line', { out, color: false, showSecrets: false });
  const analyzer = new Analyzer((r) => view.record(r), {
    deliveryWindowUs: 400_000, brokerKind: 'mosquitto',
    ...(l.security?.acl ? { acl: parseAclFile(l.security.acl, 'acl') } : {}),
  });
  const proxy = await startProxy({
    listen: { host: '127.0.0.1', port: 0 }, upstream: { host: m.host, port: m.port },
    onRecord: (r) => view.record(r), engineOpts: { observers: [analyzer] }, log: () => undefined,
  });
  const ctx = new MqttLabContext(mqtt, `mqtt://127.0.0.1:${proxy.port}`, 30, (t) => out.write(`# --- ${t}\n`));
  try {
    await l.script(ctx);
    await ctx.sleep(550);
    proxy.tick(nowUs());
    await ctx.closeAll();
    await ctx.sleep(100);
  } finally {
    await ctx.closeAll().catch(() => undefined);
    await proxy.close();
    proxy.engine.end(nowUs());
    view.end();
    await m.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function parse(text: string): Run {
  const recs: Rec[] = [];
  const findings: Run['findings'] = [];
  for (const line of text.split('\n')) {
    const p = /^\S+ #(\d+)\s+(\S+)\s+([→←])\s+(\S+)\s*(.*)$/.exec(line);
    if (p) recs.push({ no: Number(p[1]), client: p[2]!, dir: p[3]!, type: p[4]!, rest: p[5]! });
    const f = /^\S+ !! (\S+)\s+((?:#\d+\s+)+)(\S+)/.exec(line);
    if (f) findings.push({ code: f[1]!, frames: f[2]!.trim().split(/\s+/).map((x) => Number(x.slice(1))), client: f[3]! });
  }
  return { text, recs, findings };
}

/** The packet id a record shows (id=N), or null. */
const idOf = (r: Rec): number | null => { const m = /\bid=(\d+)/.exec(r.rest); return m ? Number(m[1]) : null; };

describe('TUI hints name what the TUI has', () => {
  const header = headerRow(120).trim().split(/\s+/);
  for (const l of LABS) {
    it(`lab ${l.name}: every column its TUI hint names is a packet list column`, () => {
      for (const m of (l.tuiHint ?? '').matchAll(/\b(\S+) column\b/g)) expect(header, `${l.name}: "${m[0]}"`).toContain(m[1]);
    });
    it(`lab ${l.name}: every "Press N (view)" is the key the help bar gives that view`, () => {
      for (const m of (l.tuiHint ?? '').matchAll(/\b[Pp]ress (\d) \((\w+)\)/g)) {
        const k = GLOBAL_KEYS.find((g) => g.barKeys === m[1]);
        expect(k?.bar, `${l.name}: "${m[0]}"`).toBe(m[2]);
      }
    });
  }
});

for (const broker of ['aedes', 'mosquitto'] as const) describe(`lab narration and hints match the records (${broker})`, () => {
  const runs = new Map<string, Run>();
  beforeAll(async () => {
    for (const name of ['qos', 'retained', 'will', 'session', 'acl', 'remaining-length']) runs.set(name, await play(name, broker));
  }, 60_000);

  it('qos: no id at QoS 0, each ack carries the id of its PUBLISH, each PUBLISH the text the explanation names', () => {
    const { recs } = runs.get('qos')!;
    const pubs = recs.filter((r) => r.type === 'PUBLISH');
    const q0 = pubs.filter((r) => /\bq0\b/.test(r.rest));
    expect(q0).toHaveLength(2);
    for (const r of q0) expect(idOf(r)).toBeNull();
    for (const client of ['qos-pub', 'qos-sub']) {
      const mine = recs.filter((r) => r.client === client);
      const q1 = mine.find((r) => r.type === 'PUBLISH' && /\bq1\b/.test(r.rest))!;
      expect(mine.find((r) => r.type === 'PUBACK')!.rest).toContain(`id=${idOf(q1)} `);
      const q2 = mine.find((r) => r.type === 'PUBLISH' && /\bq2\b/.test(r.rest))!;
      for (const t of ['PUBREC', 'PUBREL', 'PUBCOMP']) expect(idOf(mine.find((r) => r.type === t)!), `${client} ${t}`).toBe(idOf(q2));
    }
    // Each hop's PUBLISH carries the text the explanation quotes, at its own QoS, on lab/qos/QOS.
    for (const r of pubs) {
      const q = /\bq(\d)\b/.exec(r.rest)![1];
      expect(r.rest, `#${r.no}`).toMatch(new RegExp(`\\slab/qos/${q}\\s.*"hello at QoS ${q}"`));
    }
    expect(lab('qos').explanation).toContain('"hello at QoS N"');
  });

  it('qos: the decode command in the line hint is a PUBREL with flags 0010', () => {
    const hex = /mqttscope decode ([0-9a-f]+)/.exec(lab('qos').lineHint!)![1]!;
    const b0 = parseInt(hex.slice(0, 2), 16);
    expect(b0 >> 4).toBe(6); // packet type 6: PUBREL
    expect((b0 & 0xf).toString(2).padStart(4, '0')).toBe('0010'); // the flags the explanation quotes
  });

  it('retained: RETAIN=1 from the store, the empty clear delivered live with RETAIN=0, then nothing is retained', () => {
    const { recs } = runs.get('retained')!;
    const got = (c: string) => recs.filter((r) => r.client === c && r.dir === '←' && r.type === 'PUBLISH');
    expect(got('late-app').map((r) => /d0 q1 (r\d)\s.*(".*"|payload=0)$/.exec(r.rest)!.slice(1))).toEqual([['r1', '"open"'], ['r0', 'payload=0']]);
    expect(got('later-app')).toEqual([]);
    // The clear: RETAIN=1 and a Remaining Length of just the topic (2 + 17 bytes) and the packet id (2).
    const clear = recs.filter((r) => r.client === 'door-sensor' && r.type === 'PUBLISH')[1]!;
    expect(clear.rest).toMatch(/d0 q1 r1\s.*\slen=21\s+payload=0$/);
  });

  it('acl: the CONNACK code narrated is the one on the wire, the findings name the frames the hint quotes', () => {
    const { text, recs, findings } = runs.get('acl')!;
    const connack = recs.find((r) => r.client === 'p-wrong' && r.type === 'CONNACK')!;
    expect(connack.rest).toMatch(/rc=5 /);
    expect(text).toMatch(/^# --- CONNACK return code 5 /m);
    const refused = findings.find((f) => f.code === 'connect-refused')!;
    const connect = recs.find((r) => r.client === 'p-wrong' && r.type === 'CONNECT')!;
    expect(refused.frames).toEqual([connect.no, connack.no]);
    const drop = findings.find((f) => f.code === 'undelivered-publish')!;
    const denied = recs.find((r) => r.client === 'p-deny' && r.type === 'PUBLISH')!;
    expect(denied.rest).toMatch(/d0 q0 r0\s+panama\/colon\/user1 /);
    expect(drop.frames).toEqual([denied.no]);
    expect(lab('acl').lineHint).toContain(`(#${denied.no})`);
    // Silently dropped: the watcher gets no PUBLISH on the denied topic.
    expect(recs.some((r) => r.client === 'watcher' && r.type === 'PUBLISH' && r.rest.includes('panama/colon/user1 '))).toBe(false);
    // Step 5: the same at QoS 1, answered with a PUBACK for its packet id, and dropped all the same.
    const q1 = recs.filter((r) => r.client === 'p-deny' && r.type === 'PUBLISH')[1]!;
    const id = /d0 q1 r0\s+id=(\d+)\s+panama\/colon\/user1 /.exec(q1.rest)![1]!;
    const puback = recs.find((r) => r.client === 'p-deny' && r.type === 'PUBACK')!;
    expect(puback.rest).toMatch(new RegExp(`^id=${id}\\s`));
    const drops = findings.filter((f) => f.code === 'undelivered-publish');
    expect(drops.map((f) => f.frames)).toEqual([[denied.no], [q1.no, puback.no]]);
    expect(text).toMatch(/^# --- the broker accepted both and dropped both, the QoS 1 one after a PUBACK \(success\)/m);
  });

  it('will: no DISCONNECT from fragile; the finding names its CONNECT and the will PUBLISH, as the line hint says', () => {
    const { recs, findings } = runs.get('will')!;
    expect(recs.some((r) => r.client === 'fragile' && r.type === 'DISCONNECT')).toBe(false);
    const connect = recs.find((r) => r.client === 'fragile' && r.type === 'CONNECT')!;
    expect(connect.rest).toContain('will=lab/will/fragile q1 ');
    const will = recs.find((r) => r.client === 'watcher' && r.dir === '←' && r.type === 'PUBLISH' && /\slab\/will\/fragile\s/.test(r.rest))!;
    expect(will.rest).toContain('"fragile went away"');
    expect(findings.find((f) => f.code === 'will-published')!.frames).toEqual([connect.no, will.no]);
    expect(lab('will').lineHint).toContain(`(#${connect.no} #${will.no})`);
  });

  it('session: sp=0 then sp=1, and the queued messages follow the second CONNACK with no SUBSCRIBE', () => {
    const { recs } = runs.get('session')!;
    const mine = recs.filter((r) => r.client === 'sleeper');
    const connacks = mine.filter((r) => r.type === 'CONNACK');
    expect(connacks.map((r) => /sp=(\d)/.exec(r.rest)![1])).toEqual(['0', '1']);
    for (const c of mine.filter((r) => r.type === 'CONNECT')) expect(c.rest).toMatch(/^MQTT 3\.1\.1 persistent /);
    const after = mine.filter((r) => r.no > connacks[1]!.no);
    expect(after.some((r) => r.type === 'SUBSCRIBE')).toBe(false);
    expect(after.filter((r) => r.type === 'PUBLISH').map((r) => /"(message \d of 3)"/.exec(r.rest)![1]))
      .toEqual(['message 1 of 3', 'message 2 of 3', 'message 3 of 3']);
  });

  it('remaining-length: the table encodes each value right, and each narrated length is the next PUBLISH', () => {
    const { text, recs } = runs.get('remaining-length')!;
    const rows = [...lab('remaining-length').explanation.matchAll(/^\s+(\d+)\s+→ ((?:[0-9a-f]{2} ?)+)\s+\((\d) bytes?,/gm)];
    expect(rows).toHaveLength(4);
    for (const [, n, hex, bytes] of rows) {
      const enc: string[] = [];
      let v = Number(n);
      do { let b = v % 128; v = Math.floor(v / 128); if (v > 0) b |= 0x80; enc.push(b.toString(16).padStart(2, '0')); } while (v > 0);
      expect(enc.join(' '), n).toBe(hex!.trim());
      expect(enc).toHaveLength(Number(bytes));
    }
    const said = [...text.matchAll(/^# --- .*Remaining Length (\d+) takes (\d) bytes?$/gm)].map((m) => Number(m[1]));
    const lens = recs.filter((r) => r.type === 'PUBLISH').map((r) => Number(/len=(\d+)/.exec(r.rest)![1]));
    expect(lens).toEqual(said);
    expect(said).toEqual(rows.map((r) => Number(r[1])));
  });
});

describe('docs/labs.md matches the labs', () => {
  it('its table has one row per lab, in --list order, with the findings the lab must produce', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(join(import.meta.dirname, '../../docs/labs.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z-]+)` \|.*\| ([^|]+) \|$/gm)].map((m) => ({ name: m[1]!, findings: m[2]!.trim() }));
    expect(rows.map((r) => r.name)).toEqual(LABS.map((l) => l.name));
    for (const r of rows) {
      const want = lab(r.name).expectFindings;
      expect(r.findings, r.name).toBe(want.length ? want.map((c) => `\`${c}\``).join(', ') : 'none');
    }
  });
});
