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
  // Lay out within the real size: a tiny terminal drops panes, never the prompt line.
  const W = Math.max(1, cols);
  const H = Math.max(1, rows);
  const bars = Math.min(H, 3); // message, then help, then title
  const middleTop = bars === 3 ? 1 : 0;
  const middle = H - bars;
  const split = W >= 150;
  let listH: number;
  let treeH: number;
  let hexH: number;
  if (middle < 8) {
    // Too short for three panes: the list (its header and rows) only.
    listH = middle >= 2 ? middle : 0;
    treeH = 0;
    hexH = 0;
  } else if (split) {
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
  // Side views: title and column header, rows, details (dropped when short).
  const detailH = middle >= 10 ? Math.min(6, Math.max(3, Math.floor(middle * 0.3))) : 0;
  // Title and column header above the rows; with 2 rows the column header and one row, with 1 a row only.
  const sideHeadH = middle >= 3 ? 2 : middle === 2 ? 1 : 0;
  // Side by side, the tree stops one column short of the hex pane: a cut row's `…` and the
  // two panes' titles ran into the hex offsets (`xxxx…00b0`) with no space between them.
  const treeCols = split ? treeW - 1 : treeW;
  const pane = (top: number, h: number): [Rect, Rect] =>
    h >= 2 ? [r(top, 0, treeCols, 1), r(top + 1, 0, treeCols, h - 1)] : [r(0, 0, W, 0), r(0, 0, W, 0)];
  const [treeHead, tree] = pane(lowTop, treeH);
  let hexHead: Rect;
  let hex: Rect;
  if (hexH < 2) [hexHead, hex] = [r(0, 0, W, 0), r(0, 0, W, 0)];
  else if (split) [hexHead, hex] = [r(lowTop, treeW, W - treeW, 1), r(lowTop + 1, treeW, W - treeW, hexH - 1)];
  else [hexHead, hex] = [r(lowTop + treeH, 0, W, 1), r(lowTop + treeH + 1, 0, W, hexH - 1)];
  return {
    title: r(0, 0, W, bars === 3 ? 1 : 0),
    listHead: r(listTop, 0, W, listH > 0 ? 1 : 0),
    list: r(listTop + 1, 0, W, listH - 1),
    treeHead,
    tree,
    hexHead,
    hex,
    sideHead: r(middleTop, 0, W, sideHeadH),
    side: r(middleTop + sideHeadH, 0, W, middle - sideHeadH - detailH),
    sideDetail: r(middleTop + middle - detailH, 0, W, detailH),
    message: r(bars >= 2 ? H - 2 : 0, 0, W, 1),
    help: r(H - 1, 0, W, bars >= 2 ? 1 : 0),
    split,
  };
}
