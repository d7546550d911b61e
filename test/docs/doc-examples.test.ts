// The user docs show commands with their output, error messages and limits. A user
// who runs one of them must see what the doc shows: these tests run the examples of
// docs/filters.md, docs/reading-captures.md, docs/replay.md, docs/tui.md and
// docs/captures.md (cheap ones only) and compare with the text of the doc itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError } from '../../src/filter/index.js';
import { offsetDigits } from '../../src/views/tui/hex-model.js';
import { computeLayout } from '../../src/views/tui/layout.js';
import { mqttscope } from '../read/run.js';
import { runCli, startBundledBroker, type Peer } from '../replay/helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const doc = (name: string): string => readFileSync(join(ROOT, 'docs', name), 'utf8');
/** The fenced blocks of a doc, without their fences. */
const blocks = (md: string): string[] => [...md.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
/** Lines as they are printed, without the indentation the doc adds inside a list item. */
const dedent = (text: string): string[] => {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const indent = Math.min(...lines.map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent));
};

describe('docs/filters.md', () => {
  const md = doc('filters.md');

  it('the Errors example prints what the doc shows, with exit code 2', () => {
    const block = blocks(md).find((b) => b.startsWith('$ mqttscope read x.pcap --filter'))!;
    const [cmd, ...expected] = block.trimEnd().split('\n');
    const expr = /--filter '([^']+)'/.exec(cmd!)![1]!;
    const r = mqttscope(['read', 'x.pcap', '--filter', expr]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual(expected);
  });

  it('the error messages the prose quotes are those the filter compiler gives', () => {
    // [expression, the text the doc quotes for it]
    const quoted: Array<[string, string]> = [
      ['mqtt.qso', "unknown field or packet type 'mqtt.qso'; did you mean 'mqtt.qos'?"],
      ['type == publsh', "'publsh' is not a packet type; did you mean 'publish'?"],
      ['dir == c2c', "did you mean 'c2s'? (c2s, s2c)"],
      ['severity == warning', "did you mean 'warn'?"],
      ['mqtt.passwd == 12345x', "invalid number '******'"],
    ];
    for (const [expr, text] of quoted) {
      expect(md.replace(/\s+/g, ' '), `the doc quotes ${text}`).toContain(text);
      let reason = '';
      try { compileFilter(expr); } catch (e) { reason = (e as FilterSyntaxError).reason; }
      expect(reason, expr).toContain(text);
    }
  });

  it('the expressions the doc calls errors are errors, the others compile', () => {
    const errors = ['type == 16', 'type in {publish, }', 'retain == yes', 'mqtt.qos == high', 'mqtt.qos contains "1"',
      'mqtt.topic == Room1/Light', 'topic matches "home/#/x"', 'topic matches "home/te+"',
      'topic matches "^home"', 'topic in {1..5}', 'tcp == 1', 'mqtt.reason_code', 'mqtt.prop_string', 'mqtt.prop_number'];
    for (const e of errors) expect(() => compileFilter(e), e).toThrow(FilterSyntaxError);
    const fine = ['tcp.port in {1883, 8883..8885}', 'ip.src == 10.0.0.7', 'ipv6.addr == "::1"', 'mqtt.qos == "1"',
      'mqtt.suback.qos == 0x80', 'mqtt.topic_filters.not_itemised > 5000', 'mqtt.property.correlation_data == "req-1"',
      'mqtt.willmsg contains "offline"', 'mqtt.msgtype not in {3}', 'note == "subscribe-options"',
      // Slices, as in Wireshark (docs/filters.md: "A slice is bytes").
      'mqtt.topic[0:5]', 'mqtt.topic[0:5] == "Room1"'];
    for (const e of fine) expect(() => compileFilter(e), e).not.toThrow();
  });

  it('field ids, type names and keywords are case-insensitive, as the Grammar says', () => {
    expect(doc('filters.md').replace(/\s+/g, ' ')).toContain('type names and field ids are case-insensitive (`MQTT.QOS` is `mqtt.qos`');
    for (const e of ['MQTT.QOS == 1', 'Topic == "x"', 'TYPE == PUBLISH', 'Publish AND qos EQ 1']) expect(() => compileFilter(e), e).not.toThrow();
  });

  it('lists every FilterSyntaxError code', () => {
    const src = readFileSync(join(ROOT, 'src/filter/errors.ts'), 'utf8');
    const union = /export type FilterErrorCode =([^;]+);/.exec(src)![1]!;
    const codes = [...union.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!);
    const listed = /compileFilter\(expr\)` throws `FilterSyntaxError` with `code`\n\(([^)]+)\)/.exec(md)![1]!;
    expect([...listed.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!).sort()).toEqual(codes.sort());
  });

  it('!finding hides the findings and the packets involved in one, and keeps the others', () => {
    const all = mqttscope(['read', join(ROOT, 'captures/acl.pcap')]);
    const not = mqttscope(['read', join(ROOT, 'captures/acl.pcap'), '--filter', '!finding']);
    expect(all.stdout.trimEnd().split('\n').at(-1)).toMatch(/^-- 21 packets, 3 findings/);
    // 5 packets (#32, #44, #45, #53, #55) are involved in the 3 findings.
    expect(not.stdout.trimEnd().split('\n').at(-1)).toMatch(/^-- 16 packets, 0 findings/);
  });
});

describe('docs/reading-captures.md', () => {
  it('the bad-filter example prints what the doc shows, with exit code 2', () => {
    const md = doc('reading-captures.md');
    const i = md.lastIndexOf('\n', md.indexOf("mqttscope read: --filter: single '&'")) + 1;
    const shown = dedent(md.slice(i, md.indexOf('```', i)));
    const expr = shown[1]!.trim();
    const r = mqttscope(['read', join(ROOT, 'captures/qos-levels.pcapng'), '--filter', expr]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').slice(0, 3)).toEqual(shown);
  });

  it('a file that is not a capture: exit 1 and a line naming the file', () => {
    const r = mqttscope(['read', join(ROOT, 'package.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mqttscope read: .*package\.json: /);
  });
});

describe('docs/replay.md', () => {
  let broker: Peer;
  beforeAll(async () => { broker = await startBundledBroker(); });
  afterAll(async () => { await broker?.stop(); });

  it('the report of captures/acl.pcap against the bundled broker has the lines the doc shows', async () => {
    const md = doc('replay.md');
    const block = blocks(md).find((b) => b.startsWith("#1 127.0.0.1:36722-127.0.0.1:45219 client 'watcher'"))!;
    const r = await runCli(['replay', join(ROOT, 'captures/acl.pcap'), '--to', `127.0.0.1:${broker.port}`, '--speed', 'max']);
    expect(r.code).toBe(1);
    const out = r.stdout.trimEnd().split('\n');
    const shown = block.trimEnd().split('\n');
    // The doc leaves connections #3 and #4 out and its summary names the port it ran against.
    const summary = shown.pop()!;
    expect(out.filter((l) => !/^#[34] /.test(l)).slice(0, -1)).toEqual(shown);
    expect(out.at(-1)).toBe(summary.replace('127.0.0.1:45219', `127.0.0.1:${broker.port}`));
  });

  it('a file that is not a capture: stdout says nothing was replayed and why, exit 1', () => {
    const md = doc('replay.md');
    expect(md).toContain('`nothing was replayed: FILE could not be read as a pcap or pcapng capture (…)`');
    const file = join(ROOT, 'package.json');
    const r = mqttscope(['replay', file, '--to', '127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^nothing was replayed: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} could not be read as a pcap or pcapng capture \\(.+\\)\n$`));
  });
});

describe('docs/tui.md', () => {
  const md = doc('tui.md');

  it('the hex offset column widens to 5 digits past 64 KiB and 6 past 1 MiB', () => {
    expect(md).toContain('widens to 5 digits for packets past 64 KiB (6 past 1 MiB');
    expect([offsetDigits(65536), offsetDigits(65537), offsetDigits(1 << 20), offsetDigits((1 << 20) + 1)]).toEqual([4, 5, 5, 6]);
  });

  it('small terminals drop panes and bars at the row counts the doc gives', () => {
    expect(md).toContain('Below 11 rows the tree and hex panes are dropped');
    expect(md).toContain('below 3 rows the title goes too, and below 2 the key bar');
    expect(computeLayout(80, 11).tree.height).toBeGreaterThan(0);
    expect(computeLayout(80, 10).tree.height).toBe(0);
    expect(computeLayout(80, 10).hex.height).toBe(0);
    expect(computeLayout(80, 3).title.height).toBe(1);
    expect(computeLayout(80, 2).title.height).toBe(0);
    expect(computeLayout(80, 2).help.height).toBe(1);
    expect(computeLayout(80, 1).help.height).toBe(0);
    expect(computeLayout(80, 1).message.height).toBe(1);
  });
});

describe('docs/captures.md', () => {
  it('every note code in the table is one the capture code makes', () => {
    const md = doc('captures.md');
    const table = md.slice(md.indexOf('| code | severity | when |'), md.indexOf('`CaptureReadResult.hadErrors`'));
    const codes = [...table.matchAll(/^\| ((?:`[a-z0-9-]+`(?:, )?)+) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([a-z0-9-]+)`/g)].map((c) => c[1]!));
    expect(codes.length).toBeGreaterThan(20);
    const dir = join(ROOT, 'src/capture');
    const src = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    const missing = codes.filter((c) => !src.includes(`'${c}'`));
    expect(missing).toEqual([]);
  });
});
