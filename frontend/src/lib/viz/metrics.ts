// Per-image error between an input and a reconstruction, both in 0..1 (for decoded latents,
// where the service reports no metrics).
export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new Error("mse needs two arrays of one non-zero length");
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s / a.length;
}

/** Peak signal-to-noise ratio in dB for data in 0..1; Infinity for identical images. */
export function psnr(meanSquaredError: number): number {
  return meanSquaredError > 0 ? 10 * Math.log10(1 / meanSquaredError) : Infinity;
}
