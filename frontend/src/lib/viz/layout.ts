// How big to draw each channel's heatmap so that a column of layers fits its box.

export interface FitInput {
  /** Channels of each layer shown as a grid (vector layers count as one row of `vectorRowPx`). */
  channels: number[];
  width: number;
  height: number;
  /** Height of each layer's title line, plus the gap between layers. */
  labelPx: number;
  gapPx: number;
  minCell: number;
  maxCell: number;
  /** Try only sizes maxCell, maxCell - step, ... (whole-pixel zooms); 1 tries every size. */
  step?: number;
}

/** Height the layers take with cells of `cell` CSS pixels. */
export function columnHeight(f: FitInput, cell: number): number {
  const perRow = Math.max(1, Math.floor((f.width + f.gapPx) / (cell + f.gapPx)));
  let h = 0;
  for (const c of f.channels) h += f.labelPx + Math.ceil(c / perRow) * (cell + f.gapPx);
  return h;
}

/** The largest cell size in [minCell, maxCell] whose layout fits `height` (minCell when none does). */
export function fitCell(f: FitInput): number {
  for (let cell = f.maxCell; cell > f.minCell; cell -= f.step ?? 1) {
    if (columnHeight(f, cell) <= f.height) return cell;
  }
  return f.minCell;
}
