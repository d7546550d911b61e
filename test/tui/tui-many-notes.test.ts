// A packet with many notes (a SUBSCRIBE of 1,500 filters, 50 of them invalid)
// in the field tree: the notes under the tree take at most a third of the pane,
// identical ones are counted once, and the tree keeps its rows. Before, the 50
// note lines took every row of the pane but two.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapConversationEncoder, pcapGlobalHeader } from '../../src/capture/pcap-writer.js';
import { noteLines } from '../../src/views/tui/tree-model.js';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-many-notes', { killServer: true });

function frame(type: number, body: number[]): Buffer {
  const head = [type];
  let n = body.length;
  do { let d = n & 0x7f; n >>= 7; if (n > 0) d |= 0x80; head.push(d); } while (n > 0); // Remaining Length
  return Buffer.from([...head, ...body]);
}

/** 3.1.1 CONNECT "p1", then a SUBSCRIBE (id 5) of 1,500 filters at QoS 1: every 30th is `aN/#/b` ('#' not last). */
function buildCapture(path: string, identical: boolean): void {
  const connect = Buffer.from('100e00044d5154540402003c00027031', 'hex'); // CONNECT: "MQTT", level 4, Clean Session, keep alive 60, client id "p1"
  const body: number[] = [0x00, 0x05]; // Packet Identifier 5
  for (let i = 0; i < 1500; i++) {
    const f = Buffer.from(i % 30 === 0 ? (identical ? 'a/#/b' : `a${i}/#/b`) : `t/${i}`);
    body.push(f.length >> 8, f.length & 0xff, ...f, 0x01); // filter length, filter, Requested QoS 1
  }
  const c = new PcapConversationEncoder({ host: '127.0.0.1', port: 50001 }, { host: '127.0.0.1', port: 1883 });
  let t = 1_700_000_000_000_000;
  const parts = [pcapGlobalHeader(), c.open(t)];
  parts.push(c.data('c2s', connect, (t += 1000)));
  parts.push(c.data('s2c', Buffer.from('20020000', 'hex'), (t += 1000))); // CONNACK accepted
  parts.push(c.data('c2s', frame(0x82, body), (t += 1000))); // SUBSCRIBE, flags 0010
  parts.push(c.close((t += 1000)));
  writeFileSync(path, Buffer.concat(parts));
}

describe('notes under the field tree', () => {
  it('noteLines: identical lines once with a count; at most a third of the pane; the rest counted', () => {
    expect(noteLines(['! error: a', '! error: a', '! warn: b'], 30)).toEqual(['! 2× error: a', '! warn: b']);
    const many = Array.from({ length: 50 }, (_, i) => `! error: filter ${i}`);
    const out = noteLines(many, 30);
    expect(out).toHaveLength(10);
    expect(out.slice(0, 9)).toEqual(many.slice(0, 9));
    expect(out[9]).toMatch(/^! … 41 more problems not shown: the yellow rows of the tree carry the notes/);
    expect(noteLines(many, 4)).toHaveLength(1);
    expect(noteLines(many, 4)[0]).toMatch(/^! … 50 more problems/);
    expect(noteLines(['! error: x'], 2)).toEqual(['! error: x']);
    expect(noteLines([], 30)).toEqual([]);
  });

  for (const identical of [false, true]) {
    it(`a SUBSCRIBE with 50 invalid filters (${identical ? 'all the same' : 'all different'}) keeps most tree rows (tmux 120×40)`, async () => {
      const file = join(suite.dir, `notes-${identical}.pcap`);
      buildCapture(file, identical);
      const s = suite.open(120, 40, { file });
      await s.waitText('FILE (end)');
      s.send('Down');
      s.send('Down');
      const screen = await s.waitText('Packet 3 (frame');
      const lines = screen.split('\n');
      const head = lines.findIndex((l) => l.includes('Packet 3 (frame'));
      const hexHead = lines.findIndex((l) => /Bytes \d+–\d+/.test(l));
      const pane = lines.slice(head + 1, hexHead);
      const notes = pane.filter((l) => l.startsWith('! '));
      const rows = pane.filter((l) => !l.startsWith('! '));
      expect(pane.length, screen).toBeGreaterThanOrEqual(9);
      expect(notes.length, screen).toBeLessThanOrEqual(Math.floor(pane.length / 3));
      expect(rows.length, screen).toBeGreaterThanOrEqual(pane.length - Math.floor(pane.length / 3));
      expect(screen).toContain('Packet Identifier: 5');
      expect(screen).toMatch(/Subscription: "a(0)?\/#\/b" QoS 1/);
      // The 34 among the first 1,000 filters are identical; past them a note gives the filter's number.
      if (identical) expect(notes.join('\n')).toContain('! 34× error: SUBSCRIBE Topic Filter "a/#/b"');
      else expect(notes.join('\n')).toMatch(/more problems not shown/);
      s.send('q');
      await s.waitFor(() => s.dead(), 'exit after q');
    });
  }
});
