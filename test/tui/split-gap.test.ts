// At 150 columns and more the field tree and the hex pane sit side by side. The tree
// filled its half to the last column, so a cut row's `…` touched the hex offset
// (`xxxx…00b0`) and the two pane titles ran into each other. One blank column now
// separates them.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import mqtt from 'mqtt-packet';
import { PcapConversationEncoder, pcapGlobalHeader } from '../../src/capture/pcap-writer.js';
import { computeLayout } from '../../src/views/tui/layout.js';
import { demoCaptureSuite } from './suite.js';

describe('split layout', () => {
  it('leaves one blank column between the tree and the hex pane', () => {
    for (const [w, h] of [[150, 40], [200, 60], [201, 50]] as const) {
      const L = computeLayout(w, h);
      expect(L.split).toBe(true);
      expect(L.tree.left + L.tree.width, `${w}×${h}`).toBe(L.hex.left - 1);
      expect(L.treeHead.left + L.treeHead.width, `${w}×${h}`).toBe(L.hexHead.left - 1);
      expect(L.hex.left + L.hex.width).toBe(w);
    }
    // Not split: the tree has the full width.
    expect(computeLayout(149, 40).tree.width).toBe(149);
  });
});

describe('split layout in a real terminal (tmux)', () => {
  const suite = demoCaptureSuite('split-gap');

  it('a cut tree row ends in an ellipsis followed by a space before the hex offsets', async () => {
    const file = join(suite.dir, 'long.pcap');
    const c = new PcapConversationEncoder({ host: '127.0.0.1', port: 50020 }, { host: '127.0.0.1', port: 1883 });
    const gen = (p: object): Buffer => mqtt.generate(p as never);
    const t = 1_700_000_000_000_000;
    writeFileSync(file, Buffer.concat([
      pcapGlobalHeader(), c.open(t),
      c.data('c2s', gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'k1' }), t + 10),
      c.data('c2s', gen({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(300, 0x78), qos: 0 }), t + 20),
    ]));
    const s = suite.open(200, 60, { file });
    await s.waitText('FILE (end)');
    s.send('End');
    const screen = await s.waitText('Packet 2 (frame');
    const row = screen.split('\n').find((l) => l.includes('Payload') || l.includes('Message:'));
    expect(row, screen).toBeDefined();
    expect(row).toMatch(/x… [0-9a-f]{4}  78 78/);
    s.send('q');
  }, 30_000);
});
