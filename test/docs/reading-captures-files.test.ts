// docs/reading-captures.md: several FILEs are read one after the other, each with its own
// analysis; frame numbers start again in each file and nothing says which file a packet came
// from; the last line counts all the files; --format tui takes one file.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mqttscope } from '../read/run.js';

const ROOT = resolve(import.meta.dirname, '../..');
const WILL = join(ROOT, 'captures/will.pcap');
const TAKEOVER = join(ROOT, 'captures/takeover.pcap');

describe('docs/reading-captures.md: several files', () => {
  it('the doc says how several files are read', () => {
    const md = readFileSync(join(ROOT, 'docs/reading-captures.md'), 'utf8').replace(/\s+/g, ' ');
    expect(md).toContain('Several files are read one after the other, each with its own reassembly and analysis');
    expect(md).toContain('frame numbers start again in each file, so the same `#N` can appear twice');
    expect(md).toContain('The last line (or `--summary`) counts all the files together.');
  });

  it('the same file twice: each analysis finds its own will, with the same frame numbers; one total', () => {
    const one = mqttscope(['read', WILL]);
    const two = mqttscope(['read', WILL, WILL]);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    const heads = (out: string): string[] => out.split('\n').filter((l) => / !! /.test(l)).map((l) => l.slice(13));
    expect(heads(one.stdout)).toEqual(["!! will-published  #14 #24  sensor-7  'status/sensor-7'"]);
    expect(heads(two.stdout)).toEqual([...heads(one.stdout), ...heads(one.stdout)]);
    const total = (out: string): string => out.trimEnd().split('\n').at(-1)!;
    expect(total(one.stdout)).toMatch(/^-- 10 packets, 1 finding \(will-published\), 2 connections/);
    expect(total(two.stdout)).toMatch(/^-- 20 packets, 2 findings \(will-published ×2\), 4 connections/);
    // JSON packet records carry no file name: the frame number is all there is.
    const json = mqttscope(['read', WILL, TAKEOVER, '--format', 'json']);
    const packets = json.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.kind === 'packet');
    expect(packets.some((r) => 'file' in r)).toBe(false);
    expect(packets.filter((r) => r.frame === 4).length).toBe(2);
  });

  it('--format tui with two files is a usage error', () => {
    const r = mqttscope(['read', WILL, TAKEOVER, '--format', 'tui']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('mqttscope read: --format tui reads one FILE at a time');
  });
});
