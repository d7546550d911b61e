// The real TUI in tmux: a password, MQTT 5 Authentication Data and a password left
// in the undecoded bytes of a malformed CONNECT are masked in the packet detail
// tree and the hex pane (hex and ASCII columns), and shown with --show-secrets.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapConversationEncoder, pcapGlobalHeader } from '../../src/capture/pcap-writer.js';
import { demoCaptureSuite } from './suite.js';

const suite = demoCaptureSuite('tui-secrets');
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Packet 1: MQTT 5 CONNECT, Authentication Method "SCRAM-SHA-1", Authentication Data "TOPSECRETNONCE".
// Packet 2: AUTH from the broker, Authentication Data "TOPSECRETNONCE".
// Packet 3: the CONNECT of suricata-verify mqtt5-excessiveproplen: user "user", password "pass"
//   (and client id "myvoiceismypassport") inside an undecoded property block.
// Packet 4: 3.1.1 CONNECT with the Password Flag 0 and a password "hunter2pw" after the user name.
const PACKETS: Array<[number, 'c2s' | 's2c', string]> = [
  [0, 'c2s', '10 2f 00 04 4d 51 54 54 05 02 00 3c 1f 15 00 0b 53 43 52 41 4d 2d 53 48 41 2d 31 16 00 0e 54 4f 50 53 45 43 52 45 54 4e 4f 4e 43 45 00 03 63 69 64'],
  [0, 's2c', 'f0 21 18 1f 15 00 0b 53 43 52 41 4d 2d 53 48 41 2d 31 16 00 0e 54 4f 50 53 45 43 52 45 54 4e 4f 4e 43 45'],
  [1, 'c2s', '102f00044d51545405c2003cff21001400136d79766f69636569736d7970617373706f7274000475736572000470617373'],
  [2, 'c2s', '10 20 00 04 4d 51 54 54 04 82 00 3c 00 03 63 69 64 00 04 75 73 65 72 00 09 68 75 6e 74 65 72 32 70 77'],
];

function buildCapture(path: string): void {
  const server = { host: '127.0.0.1', port: 1883 };
  const conns = [50101, 50102, 50103].map((port) => new PcapConversationEncoder({ host: '127.0.0.1', port }, server));
  let t = 1_700_000_000_000_000;
  const parts: Buffer[] = [pcapGlobalHeader(), ...conns.map((c) => c.open(t))];
  for (const [c, dir, h] of PACKETS) parts.push(conns[c]!.data(dir, hex(h), (t += 10_000)));
  writeFileSync(path, Buffer.concat(parts));
}

// What must not be on screen, per packet (hex column as the pane spaces it, ASCII column, tree values).
const SECRETS: string[][] = [
  ['54 4f 50 53', 'TOPSECRET', 'NONCE'],
  ['54 4f 50 53', 'TOPSECRET', 'NONCE'],
  ['70 61 73 73', 'myvoice', 'user..pass'],
  ['68 75 6e 74', 'hunter2', '68756e74'],
];

describe('TUI masks secrets (tmux)', () => {
  for (const showSecrets of [false, true]) {
    it(showSecrets ? 'shows them with --show-secrets' : 'masks them in the tree and the hex pane', async () => {
      const file = join(suite.dir, 'secrets.pcap');
      buildCapture(file);
      const s = suite.open(120, 60, { file, showSecrets });
      await s.waitText('FILE (end)');
      for (let i = 0; i < PACKETS.length; i++) {
        if (i > 0) { await s.sendEscape(); s.send('Down'); }
        await s.waitText(`Packet ${i + 1} (frame`);
        // Focus the tree and expand every node.
        s.send('Tab');
        s.send('*', true);
        const screen = await s.waitText('Header Flags');
        // 'Password Flag' and 'Password Length' rows name the password without showing it.
        const shown = screen.split('\n').filter((l) => !/Password (Flag|Length)/.test(l)).join('\n');
        const found = SECRETS[i]!.filter((x) => shown.includes(x));
        if (showSecrets) expect(found.length, `packet ${i + 1}:\n${screen}`).toBeGreaterThan(0);
        else expect(found, `packet ${i + 1}:\n${screen}`).toEqual([]);
        if (!showSecrets) expect(screen).toContain('**');
      }
      s.send('q');
      await s.waitFor(() => s.dead(), 'exit after q');
    }, 60_000);
  }
});
