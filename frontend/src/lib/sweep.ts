// A sweep as the lab shows it: the grid the form builds (values typed comma-separated, checked against the
// spec's bounds and choices before anything is sent), the metric plotted against one swept field with a line
// per value of the others, every job's loss curve on one chart, and each state's word and colour.
import { SPEC_BOUNDS, SPEC_OPTIONS, type NumberBounds } from "../api/generated/spec";
import type { JobState, ModelSpec, SweepInfo, SweepJob } from "../api/types";
import { interpolateViridis, schemeTableau10 } from "d3-scale-chromatic";
import { num } from "./format";

/** The service's limit on one sweep's combinations (each is a job). */
export const MAX_COMBINATIONS = 64;

/**
 * The fields a grid can sweep from the form: the spec's numbers and choices, and `filters` (every block's
 * filters at once, as the service reads it); the blocks themselves are edited in the builder.
 */
export const GRID_FIELDS = [
  "latent_dim",
  "filters",
  "kernel",
  "learning_rate",
  "batch_size",
  "epochs",
  "seed",
  "beta",
  "corruption_level",
  "activation",
  "loss",
  "optimizer",
  "downsample",
  "variant",
  "corruption",
] as const satisfies readonly (keyof ModelSpec | "filters" | "kernel")[];
export type GridField = (typeof GRID_FIELDS)[number];
export type GridValue = number | string;
export type Grid = Record<string, GridValue[]>;

const NUMERIC: Partial<Record<GridField, NumberBounds>> = SPEC_BOUNDS;
const CHOICES: Partial<Record<GridField, readonly (string | number)[]>> = SPEC_OPTIONS;

/** What a field takes, as a hint under its values ("1 … 64", "relu, gelu, …"). */
export function gridHint(field: GridField): string {
  const b = NUMERIC[field];
  if (b) return b.exclusiveMin ? `${b.min} < x ≤ ${b.max}` : `${b.min} … ${b.max}`;
  return (CHOICES[field] ?? []).join(", ");
}

/** Values typed as "2, 4, 8": each checked like the spec checks it; repeats are an error, not dropped quietly. */
export function parseValues(field: GridField, text: string): { values: GridValue[] } | { error: string } {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.every((p) => p === "")) return { error: "type one or more values, comma-separated" };
  if (parts.some((p) => p === "")) return { error: "an empty value between commas" };
  const values: GridValue[] = [];
  const b = NUMERIC[field];
  for (const p of parts) {
    if (b) {
      const v = Number(p);
      if (!Number.isFinite(v)) return { error: `“${p}” is not a number` };
      if (b.integer && !Number.isInteger(v)) return { error: `“${p}” is not a whole number` };
      if (v > b.max || v < b.min || (b.exclusiveMin && v === b.min)) return { error: `${p} is out of range (${gridHint(field)})` };
      values.push(v);
    } else {
      const options = CHOICES[field] ?? [];
      // Kernel sizes are numbers in the schema; the other choices are names.
      const v = options.find((o) => String(o) === p);
      if (v === undefined) return { error: `“${p}” is not one of ${options.join(", ")}` };
      values.push(v);
    }
  }
  const dup = values.find((v, i) => values.indexOf(v) !== i);
  if (dup !== undefined) return { error: `${dup} is given twice` };
  return { values };
}

/** How many specs a grid makes: the product of its value counts. */
export function combinations(grid: Grid): number {
  const lists = Object.values(grid);
  return lists.length ? lists.reduce((n, l) => n * l.length, 1) : 0;
}

export type Metric = "psnr" | "ssim" | "test_loss";

export const METRICS: { id: Metric; label: string; better: "higher" | "lower" }[] = [
  { id: "psnr", label: "test PSNR (dB)", better: "higher" },
  { id: "ssim", label: "test SSIM", better: "higher" },
  { id: "test_loss", label: "test loss", better: "lower" },
];

/** The fields a sweep varies, in the grid's order. */
export function sweptFields(sweep: Pick<SweepInfo, "grid">): string[] {
  return Object.keys(sweep.grid);
}

/** A value as an axis or legend label. */
export function valueLabel(v: unknown): string {
  return typeof v === "number" ? num(v, 4) : String(v);
}

/** "latent_dim=2, epochs=1": a job's parameters, or those other than `except`. */
export function paramsLabel(params: Record<string, unknown>, except?: string): string {
  return Object.entries(params)
    .filter(([k]) => k !== except)
    .map(([k, v]) => `${k}=${valueLabel(v)}`)
    .join(", ");
}

export interface MetricLine {
  /** The other swept fields' values ("" when only one field is swept). */
  label: string;
  /** One per x position: the metric, null where the job has none (yet). */
  ys: (number | null)[];
  /** The job at each x position, if any. */
  jobs: (SweepJob | null)[];
}

export interface MetricPlot {
  field: string;
  /** The swept values in order (numbers ascending, choices as the grid lists them); plotted at 0, 1, 2, … */
  xs: GridValue[];
  lines: MetricLine[];
}

const same = (a: unknown, b: unknown) => a === b || (typeof a === "number" && typeof b === "number" && Math.abs(a - b) < 1e-12);

/** The metric against `field`: one line per combination of the other swept fields' values. */
export function metricPlot(sweep: Pick<SweepInfo, "grid" | "jobs">, field: string, metric: Metric): MetricPlot {
  const listed = (sweep.grid[field] ?? []) as GridValue[];
  const xs = listed.every((v) => typeof v === "number") ? [...listed].sort((a, b) => (a as number) - (b as number)) : [...listed];
  const lines = new Map<string, MetricLine>();
  for (const job of sweep.jobs) {
    const x = xs.findIndex((v) => same(v, job.params[field]));
    if (x < 0) continue;
    const label = paramsLabel(job.params, field);
    let line = lines.get(label);
    if (!line) {
      line = { label, ys: xs.map(() => null), jobs: xs.map(() => null) };
      lines.set(label, line);
    }
    const v = job[metric];
    line.ys[x] = v === null || v === undefined || !Number.isFinite(v) ? null : v;
    line.jobs[x] = job;
  }
  return { field, xs, lines: [...lines.values()] };
}

/** uPlot's aligned data for a metric plot: x positions 0..n-1, then each line's values. */
export function metricData(plot: MetricPlot): [number[], ...(number | null)[][]] {
  return [plot.xs.map((_, i) => i), ...plot.lines.map((l) => l.ys)];
}

/** Every job's loss curve against the step, on one x axis (shorter runs end early: nulls after). */
export function curvesData(curves: readonly (readonly (number | null)[])[]): [number[], ...(number | null)[][]] {
  const n = curves.reduce((m, c) => Math.max(m, c.length), 0);
  const x = Array.from({ length: n }, (_, i) => i);
  return [x, ...curves.map((c) => Array.from({ length: n }, (_, i) => (i < c.length ? c[i]! : null)))];
}

/** The nearest of `points` to (x, y) within `radius` pixels, or null. */
export function nearest<T extends { x: number; y: number }>(points: readonly T[], x: number, y: number, radius = 12): T | null {
  let best: T | null = null;
  let bestD = radius * radius;
  for (const p of points) {
    const d = (p.x - x) ** 2 + (p.y - y) ** 2;
    if (d <= bestD) {
      best = p;
      bestD = d;
    }
  }
  return best;
}

export type SweepState = SweepInfo["state"];

/** A job's or sweep's state as a word and a colour class (sweep.css). */
export function stateTone(state: JobState | SweepState): "active" | "ok" | "bad" | "muted" {
  if (state === "queued" || state === "running") return "active";
  if (state === "done") return "ok";
  if (state === "failed") return "bad";
  return "muted";
}

/** Jobs per state, as "2 done · 1 running · 3 queued". */
export function stateCounts(jobs: readonly Pick<SweepJob, "state">[]): string {
  const counts = new Map<string, number>();
  for (const j of jobs) counts.set(j.state, (counts.get(j.state) ?? 0) + 1);
  const order = ["done", "running", "queued", "cancelled", "failed", "interrupted"];
  return [...counts.entries()]
    .sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))
    .map(([s, n]) => `${n} ${s}`)
    .join(" · ");
}

/**
 * A 422's field errors keyed by grid field: the field its message names ("… spec: latent_dim: …"), else the one
 * its loc names ("grid.latent_dim.0"); the rest (the base spec, the grid as a whole) apart.
 */
export function gridErrors(errors: Record<string, string>, fields: readonly string[]): { byField: Record<string, string>; other: string[] } {
  const byField: Record<string, string> = {};
  const other: string[] = [];
  for (const [key, msg] of Object.entries(errors)) {
    const parts = key.split(".");
    // "combination 2 (…): spec: corruption_level: masking 0.95 …" names the field that failed, whatever the loc says.
    const named = fields.find((f) => msg.startsWith(`${f}:`) || msg.includes(` ${f}:`));
    const field = named ?? fields.find((f) => parts.includes(f)) ?? fields.find((f) => msg.includes(f));
    if (field) byField[field] = byField[field] ? `${byField[field]}; ${msg}` : msg;
    else other.push(key === "_spec" ? msg : `${key}: ${msg}`);
  }
  return { byField, other };
}

/** The metric chart's line colours when there are several lines (one per value of the other fields). */
const LINE_COLOURS = schemeTableau10;
/** Dash patterns by line, the same on both charts, so a curve's line can be told without its colour. */
const DASHES: number[][] = [[], [7, 4], [2, 3], [10, 4, 2, 4], [4, 2]];

/** A job's colour, the same on both charts and the table: its swept value's place on viridis (small dark, large light). */
export function jobColour(x: number, xs: number): string {
  return interpolateViridis(xs > 1 ? (x / (xs - 1)) * 0.9 : 0.4);
}

/** A line's colour on the metric chart (grey when there is one line: its points carry the colours). */
export function lineColour(line: number, lines: number): string {
  return lines > 1 ? LINE_COLOURS[line % LINE_COLOURS.length]! : "#888";
}

/** A line's dash pattern (solid for the first), on the metric chart and for its jobs' loss curves. */
export function lineDash(line: number): number[] {
  return DASHES[line % DASHES.length]!;
}

export interface JobStyle {
  colour: string;
  dash: number[];
}

/** Every plotted job's colour and its line's dash, by job id. */
export function jobStyles(plot: MetricPlot): Map<string, JobStyle> {
  const out = new Map<string, JobStyle>();
  plot.lines.forEach((line, li) =>
    line.jobs.forEach((job, xi) => {
      if (job) out.set(job.job_id, { colour: jobColour(xi, plot.xs.length), dash: lineDash(li) });
    }),
  );
  return out;
}

/** A sweep's name: its title, else its grid ("latent_dim 2, 4, 8 × epochs 1, 2"). */
export function sweepName(sweep: Pick<SweepInfo, "grid"> & { title?: string | null }): string {
  if (sweep.title) return sweep.title;
  return Object.entries(sweep.grid)
    .map(([k, vs]) => `${k} ${vs.map(valueLabel).join(", ")}`)
    .join(" × ");
}

/** What a newly added field's values start as: a choice's every option, a number's value in the spec. */
export function suggestValues(field: GridField, spec: ModelSpec): string {
  const options = CHOICES[field];
  if (options) return options.join(", ");
  const v = field === "filters" ? spec.blocks[0]?.filters : field === "kernel" ? spec.blocks[0]?.kernel : spec[field];
  return typeof v === "number" ? String(v) : "";
}
