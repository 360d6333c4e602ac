// A drawing turned into the image the model sees (IMAGE_SIDE = 28 pixels square), the way MNIST digits
// were made: the stroke's bounding box is scaled (keeping its aspect ratio) to fit a 20x20 box, and the
// result is placed in the 28x28 field so that its centre of mass sits at the centre.
// One area-averaging (box-filter) resampling does scale and shift together, so edges come out
// anti-aliased and the centring is sub-pixel exact. Pure: arrays in, arrays out.
import { IMAGE_SIDE } from "../../api/generated/spec";

export const SIDE = IMAGE_SIDE;
export const BOX = 20;

export interface Bbox {
  x0: number;
  y0: number;
  x1: number; // inclusive
  y1: number; // inclusive
}

/** Bounding box of the pixels above `threshold`, or null when there are none. */
export function bbox(ink: ArrayLike<number>, width: number, height: number, threshold = 1e-3): Bbox | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** Intensity-weighted centre of mass, in continuous coordinates (pixel i spans [i, i+1)). */
export function centerOfMass(ink: ArrayLike<number>, width: number, height: number): [number, number] | null {
  let m = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink[y * width + x]!;
      m += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return m > 0 ? [sx / m, sy / m] : null;
}

/**
 * Sparse weights of a 1-D box filter: target cell j covers source [start + j*step, start + (j+1)*step);
 * weight of source cell x = length of its overlap with that interval (cells outside [lo, hi) are empty).
 */
function boxWeights(n: number, start: number, step: number, lo: number, hi: number) {
  const idx: number[][] = [];
  const wts: number[][] = [];
  for (let j = 0; j < n; j++) {
    const a = start + j * step;
    const b = a + step;
    const xs: number[] = [];
    const ws: number[] = [];
    for (let x = Math.max(lo, Math.floor(a)); x < Math.min(hi, Math.ceil(b)); x++) {
      const w = Math.min(b, x + 1) - Math.max(a, x);
      if (w > 0) {
        xs.push(x);
        ws.push(w);
      }
    }
    idx.push(xs);
    wts.push(ws);
  }
  return { idx, wts };
}

/**
 * MNIST-style preprocessing of an ink image (row-major, values 0..1, `width` x `height`).
 * Returns 28*28 values in 0..1; all zeros for an empty drawing.
 */
export function mnistPreprocess(ink: ArrayLike<number>, width: number, height: number): Float32Array {
  const out = new Float32Array(SIDE * SIDE);
  const box = bbox(ink, width, height);
  if (!box) return out;
  const bw = box.x1 - box.x0 + 1;
  const bh = box.y1 - box.y0 + 1;
  const scale = BOX / Math.max(bw, bh); // target pixels per source pixel
  // Centre of mass of what is inside the box (the rest is below the threshold, i.e. empty paper).
  const cropW = bw;
  const crop = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) crop[y * cropW + x] = ink[(box.y0 + y) * width + box.x0 + x]!;
  }
  const com = centerOfMass(crop, bw, bh)!;
  // Target coordinate T maps to source coordinate (T - 14) / scale + com (within the crop).
  const step = 1 / scale;
  const wx = boxWeights(SIDE, com[0] - (SIDE / 2) * step, step, 0, bw);
  const wy = boxWeights(SIDE, com[1] - (SIDE / 2) * step, step, 0, bh);
  // Separable: first along x for every crop row, then along y.
  const tmp = new Float32Array(bh * SIDE);
  for (let y = 0; y < bh; y++) {
    for (let j = 0; j < SIDE; j++) {
      const xs = wx.idx[j]!;
      const ws = wx.wts[j]!;
      let s = 0;
      for (let k = 0; k < xs.length; k++) s += ws[k]! * crop[y * cropW + xs[k]!]!;
      tmp[y * SIDE + j] = s;
    }
  }
  const area = scale * scale; // 1 / (source area of one target pixel)
  for (let i = 0; i < SIDE; i++) {
    const ys = wy.idx[i]!;
    const ws = wy.wts[i]!;
    for (let j = 0; j < SIDE; j++) {
      let s = 0;
      for (let k = 0; k < ys.length; k++) s += ws[k]! * tmp[ys[k]! * SIDE + j]!;
      const v = s * area;
      out[i * SIDE + j] = v > 1 ? 1 : v;
    }
  }
  return out;
}

/** Ink intensity of RGBA canvas pixels drawn in black on a transparent canvas: alpha / 255. */
export function rgbaToInk(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4 + 3]! / 255;
  return out;
}

/** 0..255 integers (as the dataset endpoint sends them) to 0..1 floats. */
export function bytesToUnit(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / 255;
  return out;
}
