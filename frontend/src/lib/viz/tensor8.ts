// Tensor8: how heatmaps travel (docs/api.md). C-major uint8 bytes with a [lo, hi] per channel;
// value = lo[c] + (hi[c] - lo[c]) * byte / 255.
import type { Tensor8 } from "../../api/types";

/** A float tensor of shape [C, H, W], C-major, as the rest of the viz code uses it. */
export interface FloatTensor {
  channels: number;
  height: number;
  width: number;
  data: Float32Array;
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    bin += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(bin);
}

/** A Tensor8 from a binary explore frame (../../api/exploreFrames.ts): the bytes themselves, float32 ranges. */
export interface RawTensor8 {
  shape: number[];
  lo: ArrayLike<number | null>;
  hi: ArrayLike<number | null>;
  data: Uint8Array;
}

/** Accepts [C, H, W] and also [H, W] (one channel); the bytes as base64 (JSON) or raw (binary frames). */
export function decodeTensor8(t: Tensor8 | RawTensor8): FloatTensor {
  const shape = t.shape.length === 2 ? [1, t.shape[0]!, t.shape[1]!] : t.shape;
  if (shape.length !== 3) throw new Error(`Tensor8 shape must be [C, H, W], got [${t.shape.join(", ")}]`);
  const [c, h, w] = shape as [number, number, number];
  const bytes = typeof t.data === "string" ? base64ToBytes(t.data) : t.data;
  const n = c * h * w;
  if (bytes.length !== n) throw new Error(`Tensor8 has ${bytes.length} bytes, shape [${c}, ${h}, ${w}] needs ${n}`);
  if (t.lo.length !== c || t.hi.length !== c) throw new Error(`Tensor8 needs ${c} lo/hi values`);
  const data = new Float32Array(n);
  const plane = h * w;
  for (let ch = 0; ch < c; ch++) {
    // null: the service could not scale a non-finite channel; show it flat rather than as NaN.
    const lo = t.lo[ch] ?? 0;
    const scale = ((t.hi[ch] ?? lo) - lo) / 255;
    const base = ch * plane;
    for (let i = 0; i < plane; i++) data[base + i] = lo + scale * bytes[base + i]!;
  }
  return { channels: c, height: h, width: w, data };
}

/** The inverse, with lo/hi the per-channel min and max (used by tests and the mock data). */
export function encodeTensor8(t: FloatTensor): Tensor8 {
  const plane = t.height * t.width;
  const bytes = new Uint8Array(t.channels * plane);
  const lo: number[] = [];
  const hi: number[] = [];
  for (let ch = 0; ch < t.channels; ch++) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let i = 0; i < plane; i++) {
      const v = t.data[ch * plane + i]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    lo.push(mn);
    hi.push(mx);
    const span = mx - mn;
    for (let i = 0; i < plane; i++) {
      bytes[ch * plane + i] = span > 0 ? Math.round(((t.data[ch * plane + i]! - mn) / span) * 255) : 0;
    }
  }
  return { shape: [t.channels, t.height, t.width], lo, hi, data: bytesToBase64(bytes) };
}

/** One channel's plane as a view (no copy). */
export function channelView(t: FloatTensor, ch: number): Float32Array {
  const plane = t.height * t.width;
  return t.data.subarray(ch * plane, (ch + 1) * plane);
}
