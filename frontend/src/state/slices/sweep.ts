// Sweeps: the service's list, the open sweep with every job's loss curve, the chart's choices, and the
// form that starts a sweep from the builder's spec.
import type { SweepInfo } from "../../api/types";
import type { GridField, Metric } from "../../lib/sweep";
import { slice } from "./slice";

export interface GridRow {
  field: GridField;
  /** The values as typed: "2, 4, 8". */
  text: string;
}

export interface SweepForm {
  rows: GridRow[];
  /** A name to list it by (optional: the grid names it otherwise). */
  title: string;
  /** Errors keyed by grid field (the browser's checks, then the service's 422), "_form" for the rest. */
  errors: Record<string, string>;
  starting: boolean;
}

export interface SweepSliceState {
  sweeps: SweepInfo[];
  loaded: boolean;
  /** The open sweep, as last fetched. */
  open: SweepInfo | null;
  /** Every batch's loss per job id, as far as it has trained. */
  curves: Record<string, (number | null)[]>;
  /** Each job's batches in all (its curve's full length), once known. */
  totals: Record<string, number>;
  /** The swept field on the chart's x axis (null: the grid's first). */
  xField: string | null;
  metric: Metric;
  /** The first point shift-clicked for Compare (a job id), waiting for the second. */
  picked: string | null;
  cancelling: boolean;
  form: SweepForm;
}

export const initialForm = (): SweepForm => ({ rows: [{ field: "latent_dim", text: "2, 4, 8, 16" }], title: "", errors: {}, starting: false });

export const sweepStore = slice<SweepSliceState>(() => ({
  sweeps: [],
  loaded: false,
  open: null,
  curves: {},
  totals: {},
  xField: null,
  metric: "psnr",
  picked: null,
  cancelling: false,
  form: initialForm(),
}));
export const useSweep = sweepStore.use;

export const selectSweeps = (s: SweepSliceState) => s.sweeps;
export const selectSweepsLoaded = (s: SweepSliceState) => s.loaded;
export const selectOpenSweep = (s: SweepSliceState) => s.open;
export const selectCurves = (s: SweepSliceState) => s.curves;
/** The longest job's batches in all: the curves chart's x axis spans it from the start. */
export const selectMaxSteps = (s: SweepSliceState) => Object.values(s.totals).reduce((m, n) => Math.max(m, n), 0);
export const selectXField = (s: SweepSliceState) => (s.open ? (s.xField && s.xField in s.open.grid ? s.xField : (Object.keys(s.open.grid)[0] ?? null)) : null);
export const selectMetric = (s: SweepSliceState) => s.metric;
export const selectPicked = (s: SweepSliceState) => s.picked;
export const selectCancelling = (s: SweepSliceState) => s.cancelling;
export const selectSweepForm = (s: SweepSliceState) => s.form;
/** Whether any sweep (the open one or a listed one) still has jobs to run: the tab shows it. */
export const selectSweepRunning = (s: SweepSliceState) => s.sweeps.some((w) => w.state === "running" || w.state === "queued");
