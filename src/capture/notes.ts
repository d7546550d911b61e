// Problems found while reading a capture. They are data, not exceptions:
// reading carries on, and `read` exits 1 at the end when any warn/error note was made.
import type { Severity } from '../model/types.js';

export interface CaptureNote {
  /** 1-based frame number the note is about (0 for the file as a whole). */
  frame: number;
  severity: Severity;
  /** Stable kebab-case code, e.g. `truncated-record`, `snaplen-truncated`, `unsupported-link-type`. */
  code: string;
  text: string;
}

export type NoteSink = (note: CaptureNote) => void;
