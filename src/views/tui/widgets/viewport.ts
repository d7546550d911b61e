// Selection and scroll state of a virtualized list: only `height` rows are
// ever rendered, whatever `count` is. Pure logic, shared by every list pane.
export class Viewport {
  count = 0;
  height = 1;
  top = 0;
  /** Selected row, or -1 when the list is empty. */
  sel = -1;

  setCount(n: number): void {
    this.count = n;
    if (n === 0) { this.sel = -1; this.top = 0; return; }
    if (this.sel < 0) this.sel = 0;
    if (this.sel >= n) this.sel = n - 1;
    this.clampTop();
  }

  setHeight(h: number): void {
    this.height = Math.max(1, h);
    this.ensureVisible();
  }

  select(i: number): void {
    if (this.count === 0) return;
    this.sel = Math.max(0, Math.min(this.count - 1, i));
    this.ensureVisible();
  }

  move(delta: number): void {
    this.select((this.sel < 0 ? 0 : this.sel) + delta);
  }

  page(dir: 1 | -1): void {
    this.move(dir * Math.max(1, this.height - 1));
  }

  home(): void { this.select(0); }
  end(): void { this.select(this.count - 1); }

  atEnd(): boolean {
    return this.count === 0 || this.sel === this.count - 1;
  }

  ensureVisible(): void {
    if (this.sel < this.top) this.top = this.sel;
    else if (this.sel >= this.top + this.height) this.top = this.sel - this.height + 1;
    this.clampTop();
  }

  private clampTop(): void {
    const maxTop = Math.max(0, this.count - this.height);
    if (this.top > maxTop) this.top = maxTop;
    if (this.top < 0) this.top = 0;
  }

  /** Indices of the rows to draw, top to bottom. */
  visible(): number[] {
    const out: number[] = [];
    for (let i = this.top; i < Math.min(this.count, this.top + this.height); i++) out.push(i);
    return out;
  }
}
