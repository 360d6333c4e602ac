// How big to draw each channel's heatmap so that a column of layers fits its box. Each layer is
// an atlas (see atlas.ts) of native-size cells with a one-native-pixel gap, scaled as a whole.

export interface FitLayer {
  channels: number;
  /** Native width (= height) of one channel's map. */
  side: number;
}

export interface FitInput {
  layers: FitLayer[];
  width: number;
  height: number;
  /** Height of each layer's title line, plus the gap between layers. */
  labelPx: number;
  minCell: number;
  maxCell: number;
  /** Try only sizes maxCell, maxCell - step, ... (whole-pixel zooms); 1 tries every size. */
  step?: number;
}

/** Columns of a layer's atlas that fit `width` CSS px with cells of `cell` px. */
export function atlasColumns(width: number, cell: number, side: number): number {
  const zoom = cell / side;
  return Math.max(1, Math.floor((width + zoom) / ((side + 1) * zoom)));
}

/** Height the layers take with cells of `cell` CSS pixels. */
export function columnHeight(f: FitInput, cell: number): number {
  let h = 0;
  for (const l of f.layers) {
    const zoom = cell / l.side;
    const rows = Math.ceil(l.channels / atlasColumns(f.width, cell, l.side));
    h += f.labelPx + rows * (l.side + 1) * zoom - zoom;
  }
  return h;
}

/** The largest cell size in [minCell, maxCell] whose layout fits `height` (minCell when none does). */
export function fitCell(f: FitInput): number {
  for (let cell = f.maxCell; cell > f.minCell; cell -= f.step ?? 1) {
    if (columnHeight(f, cell) <= f.height) return cell;
  }
  return f.minCell;
}
