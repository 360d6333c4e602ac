// The loss chart's data as uPlot wants it: one x array (steps) and aligned y arrays.
// Every batch's loss is a point; each epoch's test loss sits at that epoch's last batch.
import type { EpochMetrics } from "../api/types";

export type LossData = [number[], (number | null)[], (number | null)[]];

export function lossData(losses: readonly (number | null)[], epochs: readonly EpochMetrics[], stepsPerEpoch: number): LossData {
  const markers = new Map<number, number>();
  for (const e of epochs) {
    if (e.test_loss === null || e.test_loss === undefined) continue;
    markers.set(Math.max(0, Math.round(e.epoch * stepsPerEpoch) - 1), e.test_loss);
  }
  let n = losses.length;
  for (const step of markers.keys()) n = Math.max(n, step + 1);
  const x = new Array<number>(n);
  const y = new Array<number | null>(n);
  const t = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    x[i] = i;
    y[i] = i < losses.length ? losses[i]! : null;
    t[i] = markers.get(i) ?? null;
  }
  return [x, y, t];
}

export type QualityData = [number[], (number | null)[], (number | null)[]];

/** The test set's PSNR and SSIM after each epoch, in epoch order (epochs count from 1). */
export function qualityData(epochs: readonly EpochMetrics[]): QualityData {
  const sorted = [...epochs].sort((a, b) => a.epoch - b.epoch);
  const finite = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : v);
  return [sorted.map((e) => e.epoch), sorted.map((e) => finite(e.psnr)), sorted.map((e) => finite(e.ssim))];
}
