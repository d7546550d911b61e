// `mqttscope decode` into a pipe whose reader leaves early (| head): the output
// ends there, quietly, and the exit status is decode's own (0: no errors).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../read/run.js';

// PUBLISH QoS 0: 30 (type 3, flags 0) 14 (Remaining Length 20) 000b "Room1/Light" (topic) "Turn On" (payload).
const PUBLISH_HEX = '3014000b526f6f6d312f4c696768745475726e204f6e';

describe('decode into a pipe that closes early (| head)', () => {
  it('stops quietly: no EPIPE stack trace, exit 0', () => {
    // 2,000 packets: their trees and hex dumps are some 3 MB, far past a pipe's buffer.
    const hex = PUBLISH_HEX.repeat(2000);
    const cmd = `"${process.execPath}" "${resolve(ROOT, 'bin/mqttscope')}" decode ${hex} | head -n 2 >/dev/null; echo "status \${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', maxBuffer: 1 << 20 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('status 0');
  });
});
