// The engine as a ConnectionTap. Decoding is an observer of the forwarded
// bytes: if it throws on a connection, that connection stops being decoded
// (with one finding saying so) and forwarding is not affected.
import type { CloseHow, Engine } from '../engine/engine.js';
import type { OutputRecord } from '../model/packet.js';
import type { ConnMeta, Direction } from '../model/types.js';
import type { ConnectionTap } from './types.js';

export class DecodeTap implements ConnectionTap {
  private readonly failed = new Map<string, ConnMeta>();
  private readonly metas = new Map<string, ConnMeta>();
  failures = 0;

  constructor(
    private readonly engine: Engine,
    private readonly onRecord: (rec: OutputRecord) => void,
    private readonly frameSource?: () => number,
  ) {}

  open(meta: ConnMeta, time: number): void {
    this.metas.set(meta.id, meta);
    try {
      this.engine.open(meta, time);
    } catch (err) {
      this.fail(meta, err, time);
    }
  }

  data(id: string, dir: Direction, chunk: Uint8Array, time: number): void {
    if (this.failed.has(id)) return;
    try {
      this.engine.data(id, dir, chunk, time, this.frameSource?.());
    } catch (err) {
      const meta = this.metas.get(id);
      if (meta) this.fail(meta, err, time);
    }
  }

  close(id: string, time: number, how: CloseHow, by?: Direction): void {
    this.metas.delete(id);
    if (this.failed.delete(id)) return;
    try {
      this.engine.close(id, time, how, by);
    } catch {
      // Already reported per connection where it mattered; closing must not throw.
    }
  }

  private fail(meta: ConnMeta, err: unknown, time: number): void {
    this.failures++;
    this.failed.set(meta.id, meta);
    const msg = err instanceof Error ? err.message : String(err);
    try {
      this.onRecord({
        kind: 'finding',
        code: 'stream-gap',
        severity: 'error',
        time,
        conn: meta.id,
        clientId: null,
        username: null,
        frames: [],
        topic: null,
        text: `mqttscope's decoder failed on this connection (${msg}); its bytes are still forwarded unchanged but no longer decoded`,
        extra: { note: 'decoder-failed', error: msg },
      });
    } catch {
      // The view failed too; nothing more to do without risking forwarding.
    }
    try {
      this.engine.close(meta.id, time, 'error');
    } catch {
      // Drop the engine's state for the connection as far as it lets us.
    }
  }
}

/** Runs several taps; one that throws is disabled (with one log line) so the others keep going. */
export class TapSet implements ConnectionTap {
  private readonly taps: ConnectionTap[];
  constructor(taps: ConnectionTap[], private readonly log: (line: string) => void) {
    this.taps = [...taps];
  }
  open(meta: ConnMeta, time: number): void {
    for (const t of this.taps) this.guard(t, () => t.open(meta, time));
  }
  data(id: string, dir: Direction, chunk: Uint8Array, time: number): void {
    const taps = this.taps;
    for (let i = 0; i < taps.length; i++) {
      const t = taps[i]!;
      try {
        t.data(id, dir, chunk, time);
      } catch (err) {
        this.drop(t, err);
      }
    }
  }
  close(id: string, time: number, how: CloseHow, by?: Direction): void {
    for (const t of this.taps) this.guard(t, () => t.close(id, time, how, by));
  }
  private guard(t: ConnectionTap, f: () => void): void {
    try {
      f();
    } catch (err) {
      this.drop(t, err);
    }
  }
  private drop(t: ConnectionTap, err: unknown): void {
    const i = this.taps.indexOf(t);
    if (i < 0) return;
    this.taps.splice(i, 1);
    this.log(`a traffic recorder failed and was stopped: ${err instanceof Error ? err.message : String(err)}`);
  }
}
