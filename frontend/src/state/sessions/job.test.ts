// The job session against a fake client and a fake job socket: the interrupted list, resume, discard.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import type { JobInfo, ModelSpec } from "../../api/types";
import { draftStore } from "../slices/draft";
import { jobStore } from "../slices/job";
import { pageStore } from "../slices/page";
import { DraftSession } from "./draft";
import { JobSession } from "./job";
import type { LabClient } from "./notify";

const watched: string[] = [];
vi.mock("../../api/sockets", () => ({
  JobSocket: class {
    constructor(id: string) {
      watched.push(id);
    }
    close() {}
    resync() {}
  },
}));

const spec = { ...draftStore.get().spec, latent_dim: 2, epochs: 4 } as ModelSpec;
function info(id: string, state: JobInfo["state"], created: string, checkpoint_epoch = 0): JobInfo {
  const progress = { epoch: checkpoint_epoch, epochs: 4, step: 0, total_steps: 64, images_per_s: null, eta_s: null, fraction: 0 };
  return { id, state, spec, created, progress, model_id: null, error: null, started: null, ended: null, checkpoint_epoch, executor: "local" };
}

function session(client: Partial<LabClient>) {
  const draft = new DraftSession({ validateSpec: async () => new Promise(() => undefined) } as unknown as LabClient);
  return new JobSession(client as LabClient, draft, () => undefined);
}

beforeEach(() => {
  for (const s of [jobStore, draftStore, pageStore]) s.reset();
  watched.length = 0;
});

describe("JobSession", () => {
  it("lists the interrupted jobs, newest first, and resumes one: it is watched and leaves the list", async () => {
    let jobs = [info("a", "interrupted", "2026-01-01T10:00:00Z", 1), info("b", "done", "2026-01-01T11:00:00Z"), info("c", "interrupted", "2026-01-01T12:00:00Z")];
    const resumeJob = vi.fn(async (id: string) => {
      jobs = jobs.map((j) => (j.id === id ? { ...j, state: "queued" as const } : j));
      return jobs.find((j) => j.id === id)!;
    });
    const jobSession = session({ jobs: async () => jobs, resumeJob } as unknown as LabClient);
    await jobSession.resume();
    expect(jobStore.get().interrupted.map((j) => j.id)).toEqual(["c", "a"]);
    await jobSession.resumeJob("a");
    expect(resumeJob).toHaveBeenCalledWith("a");
    expect(watched).toEqual(["a"]);
    expect(jobStore.get().view.job?.state).toBe("queued");
    expect(jobStore.get().interrupted.map((j) => j.id)).toEqual(["c"]);
    expect(draftStore.get().spec.latent_dim).toBe(2); // the builder shows what trains
    // While it trains, another resume waits.
    await jobSession.resumeJob("c");
    expect(resumeJob).toHaveBeenCalledTimes(1);
  });

  it("says why a resume failed and reads the list again; discard cancels the job", async () => {
    const jobs = [info("a", "interrupted", "2026-01-01T10:00:00Z")];
    const cancelJob = vi.fn(async () => ({ ...jobs[0]!, state: "cancelled" as const }));
    const jobSession = session({
      jobs: async () => jobs,
      resumeJob: async () => {
        throw new ApiError(409, "job 'a' is running: only an interrupted job can be resumed");
      },
      cancelJob,
    } as unknown as LabClient);
    await jobSession.resumeJob("a");
    expect(pageStore.get().notice).toMatchObject({ kind: "error", text: expect.stringContaining("only an interrupted job") });
    expect(jobStore.get().resuming).toBeNull();
    expect(watched).toEqual([]);
    jobs[0] = { ...jobs[0]!, state: "cancelled" };
    await jobSession.discard("a");
    expect(cancelJob).toHaveBeenCalledWith("a");
    expect(jobStore.get().interrupted).toEqual([]);
  });
});
