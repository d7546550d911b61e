// docs/user-guide.md ("MQTT 5") shows an MQTT 5 client refused by the bundled broker:
// aedes answers with a 2-byte 3.1.1 CONNACK, return code 1. The doc showed it as an MQTT 5
// CONNACK with an unknown reason code and two errors, as an older dissector read it; the
// line view now reads it as the 3.1.1 answer it is (connack-v311-format). The same bytes
// go through the Engine and the line view here, and the packet lines must be the doc's.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { ConnMeta } from '../../src/model/types.js';
import { createView } from '../../src/views/index.js';
import { hex } from '../engine/midstream-vectors.js';

const ROOT = resolve(import.meta.dirname, '../..');
const guide = readFileSync(join(ROOT, 'docs', 'user-guide.md'), 'utf8');

const CONNECT5 = `
  10 10                 # CONNECT, Remaining Length 16
  00 04 4d 51 54 54     # Protocol Name "MQTT"
  05                    # Protocol Level 5
  02                    # Connect Flags: Clean Start
  00 3c                 # Keep Alive 60
  03                    # Property Length 3
  21 00 14              # Receive Maximum 20
  00 00                 # Client Identifier "" (empty)
`;
const CONNACK311 = `
  20 02                 # CONNACK, Remaining Length 2 (no Property Length: 3.1.1 format)
  00                    # Connect Acknowledge Flags: Session Present 0
  01                    # Return Code 1: unacceptable protocol version
`;
const strip = (s: string): string => s.replace(/#[^\n]*/g, '');

describe('docs/user-guide.md: the MQTT 5 client refused by the bundled broker', () => {
  it('shows the CONNECT and CONNACK lines the line view prints for those bytes', () => {
    const meta: ConnMeta = {
      id: '127.0.0.1:60036-127.0.0.1:1885',
      client: { host: '127.0.0.1', port: 60036 },
      server: { host: '127.0.0.1', port: 1885 },
      transport: 'tcp',
    };
    let out = '';
    const view = createView('line', { out: { write: (s: string) => { out += s; } }, utc: true });
    const e = new Engine({ onRecord: (r) => view.record(r) });
    e.open(meta, 1_000_000);
    e.data(meta.id, 'c2s', hex(strip(CONNECT5)), 1_001_000, 1);
    e.data(meta.id, 's2c', hex(strip(CONNACK311)), 1_002_000, 2);
    e.close(meta.id, 1_003_000, 'fin');
    e.end(1_003_000);
    view.end();
    const untimed = (l: string): string => l.replace(/^\d\d:\d\d:\d\d\.\d{3} /, '');
    const printed = out.split('\n').filter((l) => /^\S+ #\d/.test(l)).map(untimed);
    const at = guide.indexOf('$ mqttscope up --format line --listen 1885');
    expect(at).toBeGreaterThan(0);
    const shown = guide.slice(at).split('\n').filter((l) => /^\S+ #[12] /.test(l)).slice(0, 2).map(untimed);
    expect(printed).toEqual(shown);
  });
});
