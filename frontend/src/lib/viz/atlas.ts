// Every channel of a layer in one image: a grid of heatmaps at native size with a one-pixel gap
// (transparent, so the page shows through). One canvas per layer instead of one per channel keeps
// the browser's compositor work small (hundreds of canvases cost more per frame than painting).
import { packedLut, type Lut } from "./colormap";
import type { Rgba } from "./imagedata";
import type { Range } from "./normalize";
import type { FloatTensor } from "./tensor8";

export interface AtlasGrid {
  cols: number;
  rows: number;
  /** Native pixels from one cell's left edge to the next (width + gap). */
  pitchX: number;
  pitchY: number;
  width: number;
  height: number;
}

export function atlasGrid(t: FloatTensor, cols: number, gap = 1): AtlasGrid {
  const c = Math.max(1, Math.min(cols, t.channels));
  const rows = Math.ceil(t.channels / c);
  return {
    cols: c,
    rows,
    pitchX: t.width + gap,
    pitchY: t.height + gap,
    width: c * (t.width + gap) - gap,
    height: rows * (t.height + gap) - gap,
  };
}

const sameGrid = (a: AtlasGrid, b: AtlasGrid) => a.cols === b.cols && a.rows === b.rows && a.pitchX === b.pitchX && a.pitchY === b.pitchY;

/**
 * The atlas's pixels: channel k at column k % cols, row floor(k / cols), coloured over ranges[k].
 * `into`, an earlier answer of the same grid, is written over instead of a new buffer (a slider drag repaints
 * every decoder layer at every frame); its gaps were left transparent and are not written.
 */
export function atlasRgba(t: FloatTensor, ranges: Range[], table: Lut, cols: number, gap = 1, into?: Rgba & { grid: AtlasGrid }): Rgba & { grid: AtlasGrid } {
  const grid = atlasGrid(t, cols, gap);
  const data = into && sameGrid(into.grid, grid) ? into.data : new Uint8ClampedArray(grid.width * grid.height * 4);
  // One 32-bit store per pixel from a packed table: the slider repaints every decoder layer per answer.
  const pixels = new Uint32Array(data.buffer);
  const colours = packedLut(table);
  const { width, height, data: values } = t;
  const plane = width * height;
  for (let ch = 0; ch < t.channels; ch++) {
    const [lo, hi] = ranges[ch] ?? [0, 0];
    // unit() inlined, as a scale to 0..255: a flat range is "low"; NaN stays transparent.
    const scale = hi - lo > 0 ? 255 / (hi - lo) : 0;
    const x0 = (ch % grid.cols) * grid.pitchX;
    const y0 = Math.floor(ch / grid.cols) * grid.pitchY;
    for (let y = 0; y < height; y++) {
      let o = (y0 + y) * grid.width + x0;
      let i = ch * plane + y * width;
      for (let x = 0; x < width; x++, o++, i++) {
        const k = (values[i]! - lo) * scale;
        pixels[o] = colours[k > 0 ? (k < 255 ? (k + 0.5) | 0 : 255) : k === k ? 0 : 256]!;
      }
    }
  }
  return { width: grid.width, height: grid.height, data, grid };
}

/** Which channel a point (in native atlas pixels) falls on, or null in a gap or past the last. */
export function channelAt(grid: AtlasGrid, channels: number, x: number, y: number, w: number, h: number): number | null {
  if (x < 0 || y < 0) return null;
  const col = Math.floor(x / grid.pitchX);
  const row = Math.floor(y / grid.pitchY);
  if (col >= grid.cols || x - col * grid.pitchX >= w || y - row * grid.pitchY >= h) return null;
  const ch = row * grid.cols + col;
  return ch < channels ? ch : null;
}
