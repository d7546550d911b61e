// A --write capture holds CONNECT passwords and decrypted TLS in clear. A new file is created
// 0600 (owner only), as dumpcap creates its files; it used to follow the umask (0644 usually).
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapFileSink } from '../../src/capture/pcap-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'mqttscope-pcapmode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mode = (f: string): number => statSync(f).mode & 0o777;

describe('the mode of a file written by --write', () => {
  it('a new file is 0600 whatever the umask allows', () => {
    const old = process.umask(0o022);
    try {
      const f = join(dir, 'new.pcap');
      const sink = new PcapFileSink(f);
      sink.close();
      expect(mode(f)).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('a staged file (written next to it, then moved into place) is 0600 too', () => {
    const f = join(dir, 'staged.pcap');
    const sink = new PcapFileSink(f, { staged: true });
    sink.place();
    sink.close();
    expect(mode(f)).toBe(0o600);
  });

  it('a staged file that replaces an existing one is 0600, whatever the old file had', () => {
    const f = join(dir, 'replaced.pcap');
    writeFileSync(f, 'old');
    chmodSync(f, 0o644);
    const sink = new PcapFileSink(f, { staged: true });
    sink.place();
    sink.close();
    expect(mode(f)).toBe(0o600);
  });

  it('an existing file written in place (not staged) keeps the mode its owner gave it', () => {
    const f = join(dir, 'existing.pcap');
    writeFileSync(f, 'old');
    chmodSync(f, 0o640);
    const sink = new PcapFileSink(f);
    sink.close();
    expect(mode(f)).toBe(0o640);
    expect(statSync(f).size).toBe(24); // replaced by the pcap global header
  });
});
