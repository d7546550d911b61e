// `mqttscope read` over the suricata-verify captures with credentials: the password
// of the malformed CONNECT in mqtt5-excessiveproplen (inside its undecoded property
// block) and the Authentication Data of mqtt5-sub-customauth are masked in every
// format and in --summary unless --show-secrets. A --filter on mqtt.passwd compares
// the real password (filtering is not display), and what it prints stays masked.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mqttscope, ROOT } from '../read/run.js';

const FIXTURE = (f: string): string => resolve(ROOT, 'test/fixtures/suricata-verify', f, 'input.pcap');

const spaced = (h: string): string => h.match(/../g)!.join(' ');
const text = (s: string): string => Buffer.from(s).toString('hex');

// mqtt5-excessiveproplen: client id "myvoiceismypassport", user "user", password "pass",
// all swallowed by a Property Length of 4351. mqtt5-sub-customauth: Authentication Data "1234".
const CASES: Array<[string, string[], string]> = [
  ['mqtt5-excessiveproplen', [text('pass'), spaced(text('pass')), '"pass"', 'myvoiceismypassport'], text('pass')],
  ['mqtt5-sub-customauth', [text('1234'), spaced(text('1234')), '"1234"'], text('1234')],
];

describe('read: credentials in captures', () => {
  for (const [name, secrets, shownHex] of CASES) {
    it(`${name}: masked in line, table, json, json --fields, tree, hex and --summary`, () => {
      const runs = [['--format', 'line'], ['--format', 'table'], ['--format', 'json'], ['--format', 'json', '--fields'], ['--format', 'tree'], ['--format', 'hex'], ['--summary']];
      for (const args of runs) {
        const r = mqttscope(['read', FIXTURE(name), ...args]);
        expect(r.code, r.stderr).toBeLessThan(2);
        for (const s of secrets) expect(r.stdout, `${s} with ${args.join(' ')}`).not.toContain(s);
      }
      const shown = mqttscope(['read', FIXTURE(name), '--format', 'json', '--fields', '--show-secrets']);
      expect(shown.stdout).toContain(shownHex);
      const hexView = mqttscope(['read', FIXTURE(name), '--format', 'hex', '--show-secrets']).stdout;
      expect(hexView).not.toContain('**');
      // The hex column of every dump line, joined: the bytes may wrap onto the next line.
      const column = hexView.split('\n').filter((l) => /^[0-9a-f]{4} {2}/.test(l)).map((l) => l.slice(6, 6 + 47).trim()).join(' ');
      expect(column).toContain(spaced(shownHex));
    });
  }

  it('--filter on mqtt.passwd matches the real password; the packets it lets through are still masked', () => {
    const f = FIXTURE('mqtt311-pub-userpass'); // user "user", password "pass"
    const hit = mqttscope(['read', f, '--filter', 'mqtt.passwd == "pass"', '--format', 'tree']);
    expect(hit.stdout).toMatch(/→ CONNECT .*pw=\*{8}/);
    expect(hit.stdout).toContain('Password: ********');
    expect(hit.stdout).toContain('[41, 4 bytes] ** ** ** **  Password: ********');
    const miss = mqttscope(['read', f, '--filter', 'mqtt.passwd == "wrong"']);
    expect(miss.stdout).toMatch(/^-- 0 packets/m);
  });
});
