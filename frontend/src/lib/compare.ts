// Pure helpers for showing two results side by side, or one code at a glance.
import type { Corruption } from "../api/types";

/** Which of two values is better (-1: the first, 1: the second, 0: a tie or unknown). */
export function better(a: number | null, b: number | null, higherIsBetter: boolean): -1 | 0 | 1 {
  if (a === null || b === null || Number.isNaN(a) || Number.isNaN(b) || a === b) return 0;
  return a > b === higherIsBetter ? -1 : 1;
}

/** Whether two results answer the same image (Compare shows two models only on one input). */
export function sameImage(a: ArrayLike<number> | null | undefined, b: ArrayLike<number> | null | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.fround(a[i]!) !== Math.fround(b[i]!)) return false;
  return true;
}

/** The half-height latent bars are scaled to: the largest |z| (± sigma), at least a small epsilon. */
export function stripScale(latent: readonly number[], sigma: readonly number[] | null): number {
  let m = 1e-6;
  latent.forEach((z, i) => (m = Math.max(m, Math.abs(z) + (sigma?.[i] ?? 0))));
  return m;
}

/** Whether two requests asked for the same noise (both none, or the same kind, level and seed). */
export function sameCorruption(a: Corruption | null | undefined, b: Corruption | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.kind === b.kind && a.level === b.level && (a.seed ?? 0) === (b.seed ?? 0);
}
