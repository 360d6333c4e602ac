// Numbers and specs as short text for labels.
import type { LayerRow, ModelSummary } from "../api/types";
import type { components } from "../api/generated/openapi";
import { BLOCK_DEFAULTS, IMAGE_SIDE } from "../api/generated/spec";

type AnySpec = components["schemas"]["ModelSpec"];

/** 1234 -> "1,234"; 1234567 -> "1.23 M" when compact. */
export function count(n: number | null | undefined, compact = false): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  if (compact) {
    const a = Math.abs(n);
    if (a >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
    if (a >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
    if (a >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  }
  return Math.round(n).toLocaleString("en-US");
}

/** 451584 -> "452 kFLOPs"; 19170000 -> "19.2 MFLOPs". */
export function flops(n: number): string {
  if (!Number.isFinite(n)) return "–";
  const units: [number, string][] = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [f, u] of units) if (Math.abs(n) >= f) return `${Number((n / f).toPrecision(3))} ${u}FLOPs`;
  return `${n} FLOPs`;
}

/** A value with a sensible number of digits for a label (3 significant, no exponent for 1e-3..1e5). */
export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "-∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

/** Seconds as "42 s", "3 min 5 s", "1 h 2 min". */
export function duration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s) || s < 0) return "–";
  const t = Math.round(s);
  if (t < 60) return `${t} s`;
  if (t < 3600) return `${Math.floor(t / 60)} min ${t % 60} s`;
  return `${Math.floor(t / 3600)} h ${Math.floor((t % 3600) / 60)} min`;
}

/** [28, 28, 32] -> "28×28×32". */
export function shape(s: readonly number[]): string {
  return s.join("×");
}

/** The spec in one line: "conv 32 → pool → conv 64 → pool → 16". */
export function specLine(spec: AnySpec): string {
  const parts: string[] = [];
  for (const b of spec.blocks ?? []) {
    parts.push(`conv ${b.filters}${b.kernel !== BLOCK_DEFAULTS.kernel ? ` (${b.kernel}×${b.kernel})` : ""}`);
    parts.push(spec.downsample === "maxpool" ? "pool" : "stride 2");
  }
  if (spec.downsample === "stride") {
    // A strided conv downsamples itself: "conv 32 s2" reads better than a separate step.
    const merged: string[] = [];
    for (let i = 0; i < parts.length; i += 2) merged.push(`${parts[i]} s2`);
    return [...merged, `${spec.latent_dim}`].join(" → ");
  }
  return [...parts, `${spec.latent_dim}`].join(" → ");
}

/** The shapes as data flows: "28×28×1 → 28×28×32 → 14×14×32 → …". */
export function shapeFlow(layers: LayerRow[]): string {
  return [shape([IMAGE_SIDE, IMAGE_SIDE, 1]), ...layers.map((l) => shape(l.shape))].join(" → ");
}

/** A model's stored test metric, trying each key in turn (older files name them differently). */
export function modelMetric(m: Pick<ModelSummary, "metrics">, ...keys: string[]): number | null {
  for (const k of keys) {
    const v = m.metrics?.[k];
    if (typeof v === "number") return v;
  }
  return null;
}
