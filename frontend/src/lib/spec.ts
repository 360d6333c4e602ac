// The model spec as the builder shows it: each choice's label, each number's range as a hint. The
// choices, ranges and defaults themselves come from the backend's schema (api/generated/spec.ts).
import { SPEC_BOUNDS, SPEC_OPTIONS, type NumberBounds } from "../api/generated/spec";
import type { BlockSpec, Corruption, ModelSpec } from "../api/types";

type Options = typeof SPEC_OPTIONS;
export type ChoiceKey = Exclude<keyof Options, "kernel">;

/** How a choice reads where its value is not plain enough ("maxpool" -> "max-pool 2×2"). */
const LABELS: Partial<Record<ChoiceKey, Record<string, string>>> = {
  variant: { vae: "VAE" },
  downsample: { maxpool: "max-pool 2×2", stride: "stride 2" },
  loss: { bce: "BCE (cross-entropy)", mse: "MSE" },
  optimizer: { adam: "Adam", adamw: "AdamW", sgd: "SGD (momentum 0.9)" },
  corruption: { gaussian: "Gaussian noise", mask: "random masking" },
};

/**
 * The dataset choices: the service's datasets (built-in, then imported) by title, not yet fetched ones marked;
 * the spec's own value is kept when the list has not arrived (the schema names no fixed set of datasets).
 */
export function datasetOptions(
  datasets: readonly { name: string; title: string; cached: boolean }[],
  current: string,
): { value: string; label: string }[] {
  const options = datasets.map((d) => ({ value: d.name, label: d.cached ? d.title : `${d.title} (not fetched)` }));
  return options.some((o) => o.value === current) ? options : [...options, { value: current, label: current }];
}

/** A spec field's choices in the schema's order, each with its label. */
export function specOptions<K extends ChoiceKey>(key: K): { value: ModelSpec[K]; label: string }[] {
  return SPEC_OPTIONS[key].map((v: string) => ({ value: v as ModelSpec[K], label: LABELS[key]?.[v] ?? v }));
}

/** The kernel sizes, as "3×3". */
export function kernelOptions(): { value: BlockSpec["kernel"]; label: string }[] {
  return SPEC_OPTIONS.kernel.map((k) => ({ value: k, label: `${k}×${k}` }));
}

/**
 * The largest masked fraction: the service refuses masks above it (a check beyond the JSON Schema, which
 * only bounds the level by 0..1), so it is not in spec.ts.
 */
export const MAX_MASK_FRACTION = 0.9;

/** The highest noise level of a kind: a Gaussian sigma up to the schema's bound, a mask up to 0.9. */
export function corruptionMax(kind: Corruption["kind"]): number {
  return kind === "mask" ? MAX_MASK_FRACTION : SPEC_BOUNDS.corruption_level.max;
}

const bound = (v: number) => (v === 2 ** 31 - 1 ? "2³¹−1" : String(v));

/** A range as a hint under its field: "1 … 64", "0 … 2³¹−1", or "0 < lr ≤ 1" for an excluded minimum. */
export function rangeHint(b: NumberBounds, symbol = "x"): string {
  return b.exclusiveMin ? `${bound(b.min)} < ${symbol} ≤ ${bound(b.max)}` : `${bound(b.min)} … ${bound(b.max)}`;
}
