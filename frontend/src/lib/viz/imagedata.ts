// Arrays to RGBA pixels (the bytes of an ImageData), with no DOM: the caller wraps them in
// `new ImageData(rgba, width, height)` and paints at native size; CSS scales them, pixelated.
import { unit } from "./normalize";
import type { Lut } from "./colormap";

export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray<ArrayBuffer>;
}

/** Colours `values` (row-major, width*height of them from `offset`) over [lo, hi] with `table`. */
export function toRgba(
  values: ArrayLike<number>,
  width: number,
  height: number,
  lo: number,
  hi: number,
  table: Lut,
  offset = 0,
): Rgba {
  const n = width * height;
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const k = Math.round(unit(values[offset + i]!, lo, hi) * 255) * 4;
    data[i * 4] = table[k]!;
    data[i * 4 + 1] = table[k + 1]!;
    data[i * 4 + 2] = table[k + 2]!;
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** Element-wise a - b (e.g. reconstruction minus input). */
export function difference(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  if (a.length !== b.length) throw new Error(`difference of arrays of ${a.length} and ${b.length}`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

/** Fraction of pixels whose RGB differs by more than `tol` in any channel (for tests and checks). */
export function changedFraction(a: Uint8ClampedArray, b: Uint8ClampedArray, tol = 0): number {
  if (a.length !== b.length) return 1;
  let changed = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (
      Math.abs(a[i]! - b[i]!) > tol ||
      Math.abs(a[i + 1]! - b[i + 1]!) > tol ||
      Math.abs(a[i + 2]! - b[i + 2]!) > tol
    ) {
      changed++;
    }
  }
  return changed / (a.length / 4);
}
