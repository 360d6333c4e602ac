// The watched training job: start and cancel it, follow its socket (the history is replayed on every
// connect), and pick up a running job after a reload.
import { ApiError } from "../../api/client";
import { JobSocket } from "../../api/sockets";
import type { ModelSpec } from "../../api/types";
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

  /** After a reload: pick up the newest queued or running job (its history is replayed). */
  async resume(): Promise<void> {
    try {
      const jobs = await this.client.jobs();
      const active = jobs.filter((j) => isActive(j.state)).sort((a, b) => b.created.localeCompare(a.created))[0];
      if (active) {
        // After a reload the builder shows what is training, not the defaults.
        const spec = active.spec as ModelSpec;
        if (spec.blocks) this.draft.setSpec({ ...spec, blocks: spec.blocks.map((b) => ({ ...b })) });
        this.watch(active.id);
      }
    } catch {
      /* no jobs endpoint answer: nothing to resume */
    }
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
        if (msg.type === "end") this.onEnd();
      },
    });
  }

  dispose(): void {
    this.socket?.close();
    this.socket = null;
  }
}
