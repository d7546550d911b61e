// A one-line text editor driven by blessed keypress events (the filter box and
// the pcap path prompt). It owns no blessed element; the app draws `render()`.
export interface KeyLike {
  name?: string;
  full?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
  sequence?: string;
}

export type EditorResult = 'submit' | 'cancel' | 'changed' | 'moved' | 'ignored';

export class LineEditor {
  value: string;
  cursor: number;
  constructor(readonly label: string, initial = '') {
    this.value = initial;
    this.cursor = initial.length;
  }

  key(ch: string | undefined, key: KeyLike): EditorResult {
    const name = key.name ?? '';
    if (name === 'enter' || name === 'linefeed') return 'submit';
    if (name === 'escape' || (key.ctrl && name === 'g')) return 'cancel';
    // An emoji (or any character past U+FFFF) is two UTF-16 units: the cursor steps
    // over both and Backspace / Delete remove both, never leave half of it.
    if (name === 'backspace') {
      if (this.cursor === 0) return 'ignored';
      const from = this.cursor - this.unitsBefore();
      this.value = this.value.slice(0, from) + this.value.slice(this.cursor);
      this.cursor = from;
      return 'changed';
    }
    if (name === 'delete' || (key.ctrl && name === 'd')) {
      if (this.cursor >= this.value.length) return 'ignored';
      this.value = this.value.slice(0, this.cursor) + this.value.slice(this.cursor + this.unitsAfter());
      return 'changed';
    }
    if (name === 'left' || (key.ctrl && name === 'b')) { this.cursor = Math.max(0, this.cursor - this.unitsBefore()); return 'moved'; }
    if (name === 'right' || (key.ctrl && name === 'f')) { this.cursor = Math.min(this.value.length, this.cursor + this.unitsAfter()); return 'moved'; }
    if (name === 'home' || (key.ctrl && name === 'a')) { this.cursor = 0; return 'moved'; }
    if (name === 'end' || (key.ctrl && name === 'e')) { this.cursor = this.value.length; return 'moved'; }
    if (key.ctrl && name === 'u') { this.value = this.value.slice(this.cursor); this.cursor = 0; return 'changed'; }
    if (key.ctrl && name === 'k') { this.value = this.value.slice(0, this.cursor); return 'changed'; }
    if (ch && !key.ctrl && !key.meta && ch.length === 1 && ch >= ' ' && ch !== '\x7f') {
      this.value = this.value.slice(0, this.cursor) + ch + this.value.slice(this.cursor);
      this.cursor++;
      return 'changed';
    }
    return 'ignored';
  }

  /** UTF-16 units of the character before the cursor (2 for a surrogate pair). */
  private unitsBefore(): number {
    const c = this.cursor;
    return c >= 2 && isHigh(this.value.charCodeAt(c - 2)) && isLow(this.value.charCodeAt(c - 1)) ? 2 : 1;
  }

  /** UTF-16 units of the character at the cursor. */
  private unitsAfter(): number {
    const c = this.cursor;
    return isHigh(this.value.charCodeAt(c)) && isLow(this.value.charCodeAt(c + 1)) ? 2 : 1;
  }
}

const isHigh = (u: number): boolean => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff;
