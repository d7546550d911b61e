// A capture in which nothing decodes as MQTT (here every segment cut at a 64-byte
// snap length) showed only "(no packets)": the list now points at the findings that
// say why.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './build.js';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-empty-findings');

describe('TUI on a capture with findings and no packets (tmux)', () => {
  it('says how to see the findings', async () => {
    const s = suite.open(80, 24, { file: join(ROOT, 'test/fixtures/capture-variants/editcap-snap64.pcap') });
    const screen = await s.waitText('FILE (end)');
    expect(screen).toContain('(no packets)');
    const n = /\| 0 pkts \| (\d+) findings \|/.exec(screen)?.[1];
    expect(Number(n), screen).toBeGreaterThan(1);
    expect(screen).toContain(`${n} findings may say why: press 5 or x to list them`);
    s.send('5');
    await s.waitText(`Findings (${n})`);
    s.send('q');
    await s.waitFor(() => s.dead(), 'exit after q');
  }, 30_000);
});
