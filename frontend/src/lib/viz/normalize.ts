// Normalisation of activations for display: each channel on its own scale, every channel of a
// layer on the layer's scale, or every layer on one global scale (cnn-explainer's toggle).
import type { FloatTensor } from "./tensor8";

export type NormMode = "channel" | "layer" | "global";

export type Range = [number, number];

export function rangeOf(values: ArrayLike<number>, start = 0, end = values.length): Range {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return end > start ? [lo, hi] : [0, 0];
}

export function union(ranges: Range[]): Range {
  if (ranges.length === 0) return [0, 0];
  let lo = Infinity;
  let hi = -Infinity;
  for (const [a, b] of ranges) {
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  return [lo, hi];
}

// By the tensor's values, which are never written after they arrive: a slider's frame recomputes the
// decoder's ranges, not the encoder's.
const channelRangesOf = new WeakMap<object, Range[]>();

export function channelRanges(t: FloatTensor): Range[] {
  const known = channelRangesOf.get(t.data);
  if (known && known.length === t.channels) return known;
  const plane = t.height * t.width;
  const out: Range[] = [];
  for (let c = 0; c < t.channels; c++) out.push(rangeOf(t.data, c * plane, (c + 1) * plane));
  channelRangesOf.set(t.data, out);
  return out;
}

/**
 * For each layer, the display range of each of its channels under the given mode.
 * `layers` are the layers shown together (the global mode spans all of them).
 */
export function displayRanges(layers: FloatTensor[], mode: NormMode): Range[][] {
  const perChannel = layers.map(channelRanges);
  if (mode === "channel") return perChannel;
  const perLayer = perChannel.map(union);
  if (mode === "layer") return perChannel.map((chs, i) => chs.map(() => perLayer[i]!));
  const global = union(perLayer);
  return perChannel.map((chs) => chs.map(() => global));
}

/**
 * `next`, with each layer's ranges replaced by `prev`'s where they are the same numbers (and `prev`
 * itself when every layer's are): a heatmap whose ranges did not change keeps the same props and is
 * not repainted (a slider's answer changes the decoder, not the encoder).
 */
export function keepSameRanges(prev: Range[][] | null, next: Range[][]): Range[][] {
  if (!prev) return next;
  const same = (a: Range[] | undefined, b: Range[]) => a !== undefined && a.length === b.length && a.every((r, i) => r[0] === b[i]![0] && r[1] === b[i]![1]);
  const out = next.map((layer, i) => (same(prev[i], layer) ? prev[i]! : layer));
  return out.length === prev.length && out.every((layer, i) => layer === prev[i]) ? prev : out;
}

/** Maps v into 0..1 over [lo, hi]; a flat range maps to 0 (an all-zero channel shows as "low"). */
export function unit(v: number, lo: number, hi: number): number {
  const span = hi - lo;
  if (!(span > 0)) return 0;
  const t = (v - lo) / span;
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

/** A range symmetric around zero, for diverging maps. */
export function symmetric([lo, hi]: Range): Range {
  const m = Math.max(Math.abs(lo), Math.abs(hi));
  return [-m, m];
}
