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
    if (name === 'backspace') {
      if (this.cursor === 0) return 'ignored';
      this.value = this.value.slice(0, this.cursor - 1) + this.value.slice(this.cursor);
      this.cursor--;
      return 'changed';
    }
    if (name === 'delete' || (key.ctrl && name === 'd')) {
      if (this.cursor >= this.value.length) return 'ignored';
      this.value = this.value.slice(0, this.cursor) + this.value.slice(this.cursor + 1);
      return 'changed';
    }
    if (name === 'left' || (key.ctrl && name === 'b')) { this.cursor = Math.max(0, this.cursor - 1); return 'moved'; }
    if (name === 'right' || (key.ctrl && name === 'f')) { this.cursor = Math.min(this.value.length, this.cursor + 1); return 'moved'; }
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
}
