// The TUI view: plugs in like any other view ({record, end}) and adds
// destroy() and `done` (resolves when the user quits).
import type { OutputRecord } from '../../model/packet.js';
import { TuiApp, type TuiOptions } from './app.js';

export type { TuiOptions } from './app.js';

export interface TuiView {
  record(r: OutputRecord): void;
  /**
   * End of input. Live mode: the capture is over. File mode: the screen stays
   * open until the user presses q. The returned promise resolves on quit.
   */
  end(): Promise<void>;
  /** Show a line in the message bar (lab narration, status). */
  say(text: string): void;
  /** Show a diagnostic in the message bar, in yellow. */
  warn(text: string): void;
  /** Tear the screen down now and restore the terminal. */
  destroy(): void;
  /** Resolves when the user quits (q / Ctrl-C) or destroy() is called. */
  readonly done: Promise<void>;
}

export function createTuiView(opts: TuiOptions): TuiView {
  const app = new TuiApp(opts);
  return {
    record: (r) => app.record(r),
    end: () => { app.end(); return app.done; },
    say: (text) => app.flash(text, 'cyan-fg', 8000),
    warn: (text) => app.flash(text, 'yellow-fg', 10_000),
    destroy: () => app.destroy(),
    done: app.done,
  };
}
