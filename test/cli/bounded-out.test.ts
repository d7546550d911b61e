// The live views' output is bounded: a reader that stops reading (`proxy | sleep`)
// must not make the proxy queue every line in memory. Past the limit, records are
// dropped with a line on stderr, and shown again once the output catches up.
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BoundedOut } from '../../src/cli/live.js';

/** A stream whose reader never finishes a write until `release()`: its writableLength grows. */
function stuck(): { out: Writable; release(): void } {
  const waiting: Array<() => void> = [];
  const out = new Writable({ highWaterMark: 1024, write(_c, _e, cb) { waiting.push(cb); } });
  return { out, release: () => { for (const cb of waiting.splice(0)) cb(); } };
}

describe('BoundedOut', () => {
  it('drops writes while the output is behind by more than its limit, says so once each way, and holds at most about the limit', () => {
    const { out, release } = stuck();
    const err = new PassThrough();
    let errText = '';
    err.on('data', (c: Buffer) => { errText += c.toString(); });
    const b = new BoundedOut(out, err, 64 * 1024);
    const line = 'x'.repeat(99) + '\n';
    for (let i = 0; i < 10_000; i++) b.write(line); // 1 MB offered
    expect(out.writableLength).toBeLessThanOrEqual(64 * 1024 + line.length);
    expect(b.dropped).toBeGreaterThan(9_000);
    expect(errText).toMatch(/^mqttscope: the output is not read fast enough \(0 MiB waiting\): records are not shown until it catches up; forwarding goes on\n$/);
    // The reader catches up: the next write goes out, and the count of what was not shown is given.
    release();
    // Writable calls the queued writes' callbacks in turn; release again until drained.
    for (let i = 0; i < 2000 && out.writableLength > 0; i++) release();
    b.write(line);
    expect(errText).toContain(`the output caught up; ${b.dropped} record(s) were not shown`);
  });

  it('passes everything through while the output keeps up', () => {
    const chunks: string[] = [];
    const out = new Writable({ write(c, _e, cb) { chunks.push(c.toString()); cb(); } });
    const b = new BoundedOut(out, new PassThrough(), 1024);
    for (let i = 0; i < 1000; i++) b.write(`${i}\n`);
    expect(b.dropped).toBe(0);
    expect(chunks.join('')).toBe(Array.from({ length: 1000 }, (_, i) => `${i}\n`).join(''));
  });
});
