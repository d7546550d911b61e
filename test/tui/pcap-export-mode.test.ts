// The TUI's `w` writes the shown packets, passwords and decrypted TLS included, as --write
// does. It followed the umask (usually 0644); it now creates the file 0600, as --write and
// dumpcap do, also when it replaces an existing file.
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/read-capture.js';
import { Engine } from '../../src/engine/engine.js';
import type { OutputRecord, PacketRecord } from '../../src/model/packet.js';
import { writeRecordsPcap } from '../../src/views/tui/pcap-export.js';
import { ROOT } from './build.js';

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

function records(): PacketRecord[] {
  const recs: PacketRecord[] = [];
  const engine = new Engine({ onRecord: (r: OutputRecord) => { if (r.kind === 'packet') recs.push(r); } });
  readCaptureBuffer(readFileSync(join(ROOT, 'captures/acl.pcap')), { engine });
  return recs;
}

describe('TUI w: the mode of the file', () => {
  it('a new file is 0600 under umask 022', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tui-export-mode-'));
    dirs.push(dir);
    const old = process.umask(0o022);
    try {
      const path = join(dir, 'new.pcap');
      await writeRecordsPcap(records(), path);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('an existing file it replaces becomes 0600', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tui-export-mode-'));
    dirs.push(dir);
    const path = join(dir, 'old.pcap');
    await writeFile(path, 'old');
    await chmod(path, 0o644);
    await writeRecordsPcap(records(), path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});
