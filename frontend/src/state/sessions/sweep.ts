// Sweeps: list them, start one from the builder's spec and a grid, follow the open one (its record polled
// while jobs remain, each running job's socket for its losses, an ended job's losses fetched once), cancel it,
// and turn a clicked point into an explored model or a Compare pair.
import { ApiError, fieldErrors } from "../../api/client";
import { JobSocket } from "../../api/sockets";
import type { SweepInfo, SweepJob } from "../../api/types";
import { combinations, MAX_COMBINATIONS, parseValues, gridErrors, type Grid, type GridField, type Metric } from "../../lib/sweep";
import { applyJobMessage, emptyJobView, isActive, type JobView } from "../job";
import { draftStore } from "../slices/draft";
import { initialForm, sweepStore, type GridRow } from "../slices/sweep";
import { message, notify, type LabClient } from "./notify";

/** What the session asks of the rest of the lab. */
export interface SweepActions {
  /** Opens a trained model in Explore. */
  explore(modelId: string): Promise<void>;
  /** Opens two trained models side by side in Compare. */
  compare(first: string, second: string): Promise<void>;
  /** A job ended: its model joins the catalog. */
  jobEnded(): void;
}

/** How often the open sweep's record is read while it has jobs left (states and final metrics). */
export const POLL_MS = 1000;
const MAX_ROWS = 2;

export class SweepSession {
  private sockets = new Map<string, { socket: JobSocket; view: JobView }>();
  /** Ended jobs whose losses were fetched (or are being fetched): never again. */
  private fetched = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped on every open/close, so an answer for a sweep no longer open is dropped. */
  private generation = 0;

  constructor(
    private readonly client: LabClient,
    private readonly actions: SweepActions,
  ) {}

  /** Reads the service's sweeps (the tab was opened, or one was started or cancelled). */
  async refresh(): Promise<void> {
    try {
      // The service's order: yours newest first, then the shipped ones.
      const sweeps = await this.client.sweeps();
      sweepStore.set({ sweeps, loaded: true });
    } catch (e) {
      sweepStore.set({ loaded: true });
      notify("error", `Could not list the sweeps: ${message(e)}`);
    }
  }

  /** The Sweeps tab was shown: the list, and the newest sweep opened when none is. */
  async enter(): Promise<void> {
    await this.refresh();
    const { open, sweeps } = sweepStore.get();
    if (!open && sweeps[0]) await this.open(sweeps[0].id);
  }

  async open(id: string): Promise<void> {
    this.stopFollowing();
    const gen = ++this.generation;
    const listed = sweepStore.get().sweeps.find((s) => s.id === id) ?? null;
    sweepStore.set({ open: listed, curves: {}, totals: {}, picked: null, xField: null });
    await this.poll(id, gen);
  }

  close(): void {
    this.stopFollowing();
    this.generation++;
    sweepStore.set({ open: null, curves: {}, totals: {}, picked: null });
  }

  setMetric(metric: Metric): void {
    sweepStore.set({ metric });
  }

  setXField(xField: string): void {
    sweepStore.set({ xField });
  }

  setRow(i: number, patch: Partial<GridRow>): void {
    sweepStore.set((s) => ({ form: { ...s.form, rows: s.form.rows.map((r, j) => (j === i ? { ...r, ...patch } : r)), errors: {} } }));
  }

  setTitle(title: string): void {
    this.setForm({ title });
  }

  /** A second swept field (at most two from the form), one not swept yet. */
  addRow(field: GridField, text: string): void {
    sweepStore.set((s) =>
      s.form.rows.length >= MAX_ROWS ? {} : { form: { ...s.form, rows: [...s.form.rows, { field, text }], errors: {} } },
    );
  }

  removeRow(i: number): void {
    sweepStore.set((s) => ({ form: { ...s.form, rows: s.form.rows.filter((_, j) => j !== i), errors: {} } }));
  }

  /** The grid the form describes, or the errors that keep it from being sent. */
  grid(rows: readonly GridRow[] = sweepStore.get().form.rows): { grid: Grid } | { errors: Record<string, string> } {
    const grid: Grid = {};
    const errors: Record<string, string> = {};
    for (const r of rows) {
      if (r.field in grid) {
        errors[r.field] = "swept twice: pick another field";
        continue;
      }
      const parsed = parseValues(r.field, r.text);
      if ("error" in parsed) errors[r.field] = parsed.error;
      else grid[r.field] = parsed.values;
    }
    if (!rows.length) errors._form = "add a field to sweep";
    const n = combinations(grid);
    if (!Object.keys(errors).length && n > MAX_COMBINATIONS) errors._form = `${n} combinations: the limit is ${MAX_COMBINATIONS}`;
    return Object.keys(errors).length ? { errors } : { grid };
  }

  /** Starts a sweep over the builder's spec; a 422's errors land on the fields they name. */
  async start(): Promise<void> {
    const { form } = sweepStore.get();
    if (form.starting) return;
    const checked = this.grid(form.rows);
    if ("errors" in checked) return this.setForm({ errors: checked.errors });
    this.setForm({ starting: true, errors: {} });
    try {
      const sweep = await this.client.startSweep(draftStore.get().spec, checked.grid, form.title.trim() || null);
      this.setForm({ starting: false });
      await this.refresh();
      await this.open(sweep.id);
    } catch (e) {
      let errors: Record<string, string> = { _form: `Could not start the sweep: ${message(e)}` };
      if (e instanceof ApiError && e.status === 422) {
        const { byField, other } = gridErrors(fieldErrors(e.detail), form.rows.map((r) => r.field));
        errors = { ...byField, ...(other.length ? { _form: other.join("; ") } : {}) };
      }
      this.setForm({ starting: false, errors });
    }
  }

  async cancel(): Promise<void> {
    const open = sweepStore.get().open;
    if (!open || sweepStore.get().cancelling) return;
    sweepStore.set({ cancelling: true });
    try {
      await this.client.cancelSweep(open.id);
    } catch (e) {
      notify("error", `Could not cancel the sweep: ${message(e)}`);
    } finally {
      sweepStore.set({ cancelling: false });
    }
    await this.poll(open.id, this.generation);
  }

  /** A click on a point explores its model; shift-clicks on two points open them in Compare. */
  async pick(job: SweepJob, shift: boolean): Promise<void> {
    if (!job.model_id) {
      notify("info", job.state === "done" ? "This job saved no model." : `This job is ${job.state}: its model comes when it is done.`);
      return;
    }
    if (!shift) {
      sweepStore.set({ picked: null });
      return this.actions.explore(job.model_id);
    }
    const first = sweepStore.get().picked;
    if (!first || first === job.job_id) {
      sweepStore.set({ picked: first === job.job_id ? null : job.job_id });
      if (!first) notify("info", "Shift-click a second point to compare the two models.");
      return;
    }
    const a = sweepStore.get().open?.jobs.find((j) => j.job_id === first);
    sweepStore.set({ picked: null });
    if (a?.model_id) await this.actions.compare(a.model_id, job.model_id);
  }

  dispose(): void {
    this.stopFollowing();
    this.generation++;
  }

  private setForm(patch: Partial<ReturnType<typeof initialForm>>): void {
    sweepStore.set((s) => ({ form: { ...s.form, ...patch } }));
  }

  /** Reads the sweep, follows its jobs, and reads it again in POLL_MS while it has jobs left. */
  private async poll(id: string, gen: number): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let sweep: SweepInfo;
    try {
      sweep = await this.client.sweep(id);
    } catch (e) {
      if (gen !== this.generation) return;
      if (e instanceof ApiError && e.status === 404) {
        notify("error", "This sweep no longer exists.");
        this.close();
        return void this.refresh();
      }
      this.timer = setTimeout(() => void this.poll(id, gen), POLL_MS * 3); // a hiccup: try again later
      return;
    }
    if (gen !== this.generation) return;
    const before = sweepStore.get().open;
    sweepStore.set((s) => ({ open: sweep, sweeps: s.sweeps.map((w) => (w.id === sweep.id ? sweep : w)) }));
    const ended = (before?.jobs ?? []).filter((j) => isActive(j.state) && !isActive(sweep.jobs.find((k) => k.job_id === j.job_id)?.state));
    if (ended.length) this.actions.jobEnded();
    this.follow(sweep, gen);
    if (sweep.jobs.some((j) => isActive(j.state)) || sweep.state === "running" || sweep.state === "queued") {
      this.timer = setTimeout(() => void this.poll(id, gen), POLL_MS);
    }
  }

  /** A socket for each running job (its losses live); an ended job's losses read once. */
  private follow(sweep: SweepInfo, gen: number): void {
    const toFetch: string[] = [];
    for (const j of sweep.jobs) {
      if (j.state === "running" && !this.sockets.has(j.job_id)) this.watch(j.job_id, gen);
      else if (!isActive(j.state) && !this.sockets.has(j.job_id) && !this.fetched.has(j.job_id)) toFetch.push(j.job_id);
    }
    if (toFetch.length) void this.fetchLosses(sweep, toFetch, gen);
  }

  private watch(jobId: string, gen: number): void {
    const entry = { socket: null as unknown as JobSocket, view: emptyJobView };
    entry.socket = new JobSocket(jobId, {
      onStatus: () => undefined,
      onMessage: (msg) => {
        if (gen !== this.generation) return;
        const before = entry.view;
        entry.view = applyJobMessage(before, msg);
        if (entry.view.resync && !before.resync) entry.socket.resync();
        const total = entry.view.job?.progress.total_steps;
        if (total && total !== before.job?.progress.total_steps) this.setTotal(jobId, total);
        if (entry.view.losses !== before.losses) this.setCurve(jobId, entry.view.losses);
        if (msg.type === "end") {
          // The socket closes itself after its end; the history it gave is the whole curve.
          this.sockets.delete(jobId);
          this.fetched.add(jobId);
          const open = sweepStore.get().open;
          if (open) void this.poll(open.id, gen);
        }
      },
    });
    this.sockets.set(jobId, entry);
  }

  /**
   * One at a time, so that a sweep of 64 ended jobs does not ask for 64 histories at once. A shipped sweep's
   * jobs are its models: their losses are in each model's saved history.
   */
  private async fetchLosses(sweep: SweepInfo, ids: string[], gen: number): Promise<void> {
    for (const id of ids) this.fetched.add(id);
    for (const id of ids) {
      if (gen !== this.generation) return;
      const modelId = sweep.jobs.find((j) => j.job_id === id)?.model_id;
      try {
        let losses: (number | null)[] = [];
        let total = 0;
        if (!sweep.pretrained) {
          const detail = await this.client.job(id);
          losses = detail.losses;
          total = detail.progress.total_steps;
        } else if (modelId) {
          losses = (await this.client.model(modelId)).history?.losses ?? [];
          total = losses.length;
        }
        if (gen !== this.generation) return;
        this.setTotal(id, total);
        this.setCurve(id, losses);
      } catch {
        this.fetched.delete(id); // tried again at the next poll, or when the sweep is opened again
      }
    }
  }

  private setCurve(jobId: string, losses: (number | null)[]): void {
    sweepStore.set((s) => ({ curves: { ...s.curves, [jobId]: losses } }));
  }

  private setTotal(jobId: string, total: number): void {
    if (total > 0) sweepStore.set((s) => ({ totals: { ...s.totals, [jobId]: total } }));
  }

  private stopFollowing(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const { socket } of this.sockets.values()) socket.close();
    this.sockets.clear();
    this.fetched.clear();
  }
}
