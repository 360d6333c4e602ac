// The watched training job: start, cancel or resume it, follow its socket (the history is replayed on
// every connect), pick up a running job after a reload, and keep the list of interrupted jobs.
import { ApiError } from "../../api/client";
import { JobSocket } from "../../api/sockets";
import type { JobInfo, ModelSpec } from "../../api/types";
import { applyJobMessage, emptyJobView, isActive } from "../job";
import { draftStore } from "../slices/draft";
import { jobStore } from "../slices/job";
import type { DraftSession } from "./draft";
import { message, notify, type LabClient } from "./notify";

export class JobSession {
  private socket: JobSocket | null = null;

  constructor(
    private readonly client: LabClient,
    private readonly draft: DraftSession,
    /** A job ended: its model (if any) joins the list. */
    private readonly onEnd: () => void,
  ) {}

  /** Trains the draft, if the service found it valid and no job is running. */
  async start(): Promise<void> {
    const { validation, spec } = draftStore.get();
    if (validation.status !== "valid" || isActive(jobStore.get().view.job?.state)) return;
    try {
      const job = await this.client.startJob(spec);
      this.watch(job.id);
      jobStore.set((s) => ({ view: { ...s.view, job } }));
    } catch (e) {
      const text = e instanceof ApiError && e.status === 429 ? "The training queue is full; try again when a job ends." : message(e);
      notify("error", `Could not start training: ${text}`);
    }
  }

  async cancel(): Promise<void> {
    const id = jobStore.get().view.job?.id;
    if (!id) return;
    try {
      await this.client.cancelJob(id);
    } catch (e) {
      notify("error", `Could not cancel: ${message(e)}`);
    }
  }

  /** After a reload: list the interrupted jobs and pick up the newest queued or running one (its history is replayed). */
  async resume(): Promise<void> {
    try {
      const jobs = await this.client.jobs();
      this.list(jobs);
      const active = jobs.filter((j) => isActive(j.state)).sort((a, b) => b.created.localeCompare(a.created))[0];
      if (active) {
        this.showSpec(active);
        this.watch(active.id);
      }
    } catch {
      /* no jobs endpoint answer: nothing to resume */
    }
  }

  /** Continues an interrupted job after its last finished epoch; it streams like a new job. */
  async resumeJob(id: string): Promise<void> {
    if (isActive(jobStore.get().view.job?.state) || jobStore.get().resuming) return;
    jobStore.set({ resuming: id });
    try {
      const job = await this.client.resumeJob(id);
      this.showSpec(job);
      this.watch(job.id);
      jobStore.set((s) => ({ view: { ...s.view, job }, interrupted: s.interrupted.filter((j) => j.id !== id) }));
    } catch (e) {
      const text = e instanceof ApiError && e.status === 429 ? "The training queue is full; try again when a job ends." : message(e);
      notify("error", `Could not resume: ${text}`);
      await this.refresh();
    } finally {
      jobStore.set({ resuming: null });
    }
  }

  /** Drops an interrupted job for good (the service cancels it and deletes its checkpoint). */
  async discard(id: string): Promise<void> {
    try {
      await this.client.cancelJob(id);
    } catch (e) {
      notify("error", `Could not discard: ${message(e)}`);
    }
    await this.refresh();
  }

  /** Reads the job list again (after a job ends, or a resume or discard). */
  async refresh(): Promise<void> {
    try {
      this.list(await this.client.jobs());
    } catch {
      /* the list stays as it was */
    }
  }

  private list(jobs: JobInfo[]): void {
    const interrupted = jobs.filter((j) => j.state === "interrupted").sort((a, b) => b.created.localeCompare(a.created));
    jobStore.set({ interrupted });
  }

  /** The builder shows what is training (after a reload, or a resume), not the defaults. */
  private showSpec(job: JobInfo): void {
    const spec = job.spec as ModelSpec;
    if (spec.blocks) this.draft.setSpec({ ...spec, blocks: spec.blocks.map((b) => ({ ...b })) });
  }

  watch(id: string): void {
    this.socket?.close();
    jobStore.set({ view: emptyJobView });
    this.socket = new JobSocket(id, {
      onStatus: (socket) => jobStore.set({ socket }),
      onMessage: (msg) => {
        const before = jobStore.get().view;
        const after = applyJobMessage(before, msg);
        jobStore.set({ view: after });
        if (after.resync && !before.resync) this.socket?.resync();
        if (msg.type === "end") {
          this.onEnd();
          void this.refresh();
        }
      },
    });
  }

  dispose(): void {
    this.socket?.close();
    this.socket = null;
  }
}
