// Screen geometry for a terminal size: pure, so 80×24 and 200×50 can be
// checked without a terminal. Panes have a one-line header and a body.
export interface Rect { top: number; left: number; width: number; height: number }

export interface Layout {
  title: Rect;
  listHead: Rect;
  list: Rect;
  treeHead: Rect;
  tree: Rect;
  hexHead: Rect;
  hex: Rect;
  /** Side views use the whole middle area. */
  sideHead: Rect;
  side: Rect;
  sideDetail: Rect;
  message: Rect;
  help: Rect;
  /** Tree and hex side by side (wide terminals). */
  split: boolean;
}

const r = (top: number, left: number, width: number, height: number): Rect => ({
  top, left, width: Math.max(1, width), height: Math.max(0, height),
});

export function computeLayout(cols: number, rows: number): Layout {
  const W = Math.max(20, cols);
  const H = Math.max(10, rows);
  const middleTop = 1;
  const middle = H - 3; // title, message, help
  const split = W >= 150;
  let listH: number;
  let treeH: number;
  let hexH: number;
  if (split) {
    listH = Math.max(3, Math.floor(middle * 0.5));
    treeH = middle - listH;
    hexH = treeH;
  } else {
    listH = Math.max(3, Math.round(middle * 0.4));
    treeH = Math.max(3, Math.round(middle * 0.33));
    hexH = Math.max(2, middle - listH - treeH);
    treeH = middle - listH - hexH;
  }
  const listTop = middleTop;
  const lowTop = listTop + listH;
  const treeW = split ? Math.floor(W * 0.55) : W;
  const detailH = Math.min(6, Math.max(3, Math.floor(middle * 0.3)));
  return {
    title: r(0, 0, W, 1),
    listHead: r(listTop, 0, W, 1),
    list: r(listTop + 1, 0, W, listH - 1),
    treeHead: r(lowTop, 0, treeW, 1),
    tree: r(lowTop + 1, 0, treeW, treeH - 1),
    hexHead: split ? r(lowTop, treeW, W - treeW, 1) : r(lowTop + treeH, 0, W, 1),
    hex: split ? r(lowTop + 1, treeW, W - treeW, hexH - 1) : r(lowTop + treeH + 1, 0, W, hexH - 1),
    sideHead: r(middleTop, 0, W, 1),
    side: r(middleTop + 1, 0, W, middle - 1 - detailH),
    sideDetail: r(middleTop + middle - detailH, 0, W, detailH),
    message: r(H - 2, 0, W, 1),
    help: r(H - 1, 0, W, 1),
    split,
  };
}
