// The sweep session against a fake client and fake job sockets: the form's checks and a 422 by field, the
// open sweep polled while it runs with each running job's losses streamed, ended jobs' losses fetched once,
// cancel, and a point's click (explore) and two shift-clicks (Compare).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import type { JobServerMessage, SweepInfo, SweepJob } from "../../api/types";
import { draftStore } from "../slices/draft";
import { pageStore } from "../slices/page";
import { sweepStore } from "../slices/sweep";
import type { LabClient } from "./notify";
import { POLL_MS, SweepSession, type SweepActions } from "./sweep";

const sockets = new Map<string, { onMessage: (m: JobServerMessage) => void; closed: boolean }>();
vi.mock("../../api/sockets", () => ({
  JobSocket: class {
    private entry: { onMessage: (m: JobServerMessage) => void; closed: boolean };
    constructor(id: string, handlers: { onMessage: (m: JobServerMessage) => void }) {
      this.entry = { onMessage: handlers.onMessage, closed: false };
      sockets.set(id, this.entry);
    }
    close() {
      this.entry.closed = true;
    }
    resync() {}
  },
}));

const job = (id: string, latent: number, state: SweepJob["state"], psnr: number | null = null): SweepJob => ({
  job_id: id,
  params: { latent_dim: latent },
  state,
  model_id: state === "done" ? `model-${id}` : null,
  test_loss: psnr === null ? null : 0.1,
  psnr,
  ssim: psnr === null ? null : 0.5,
});

const sweepInfo = (jobs: SweepJob[], state: SweepInfo["state"] = "running"): SweepInfo => ({
  id: "s1",
  title: null,
  created: "2026-12-02T10:00:00Z",
  base: draftStore.get().spec,
  grid: { latent_dim: jobs.map((j) => j.params.latent_dim as number) },
  state,
  pretrained: false,
  job_ids: jobs.map((j) => j.job_id),
  jobs,
});

function actions(): SweepActions & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    explore: async (id) => void log.push(`explore ${id}`),
    compare: async (a, b) => void log.push(`compare ${a} ${b}`),
    jobEnded: () => void log.push("ended"),
  };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  for (const s of [sweepStore, draftStore, pageStore]) s.reset();
  sockets.clear();
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("SweepSession form", () => {
  it("checks the grid before sending and refuses more than 64 combinations", async () => {
    const startSweep = vi.fn();
    const s = new SweepSession({ startSweep } as unknown as LabClient, actions());
    s.setRow(0, { text: "2, 100" });
    await s.start();
    expect(sweepStore.get().form.errors).toEqual({ latent_dim: "100 is out of range (1 … 64)" });
    s.setRow(0, { text: "1, 2, 3, 4, 5, 6, 7, 8, 9" });
    s.addRow("seed", "0, 1, 2, 3, 4, 5, 6, 7");
    await s.start();
    expect(sweepStore.get().form.errors).toEqual({ _form: "72 combinations: the limit is 64" });
    s.addRow("epochs", "1"); // at most two fields from the form
    expect(sweepStore.get().form.rows).toHaveLength(2);
    expect(startSweep).not.toHaveBeenCalled();
  });

  it("sends the builder's spec with the grid, and shows a 422 on the field it names", async () => {
    draftStore.set((d) => ({ spec: { ...d.spec, epochs: 1 } }));
    const startSweep = vi.fn(async () => {
      throw new ApiError(422, [{ loc: ["body", "grid", "latent_dim", 1], msg: "combination {latent_dim: 64}: too many parameters", type: "value_error" }]);
    });
    const s = new SweepSession({ startSweep } as unknown as LabClient, actions());
    s.setRow(0, { text: "2, 64" });
    await s.start();
    expect(startSweep).toHaveBeenCalledWith(expect.objectContaining({ epochs: 1 }), { latent_dim: [2, 64] }, null);
    expect(sweepStore.get().form).toMatchObject({ starting: false, errors: { latent_dim: "combination {latent_dim: 64}: too many parameters" } });
  });
});

describe("SweepSession following a sweep", () => {
  it("polls while jobs run, streams a running job's losses, fetches an ended job's once, and stops at the end", async () => {
    let info = sweepInfo([job("j1", 2, "done", 12), job("j2", 8, "running"), job("j3", 16, "queued")]);
    const sweep = vi.fn(async () => info);
    const jobDetail = vi.fn(async (id: string) => ({ losses: id === "j1" ? [0.5, 0.4, 0.3] : [0.9], progress: { total_steps: 3 } }));
    const a = actions();
    const s = new SweepSession({ sweeps: async () => [info], sweep, job: jobDetail } as unknown as LabClient, a);
    await s.enter();
    await flush();
    expect(sweepStore.get().open?.id).toBe("s1");
    expect([...sockets.keys()]).toEqual(["j2"]); // the running job only
    expect(jobDetail).toHaveBeenCalledWith("j1");
    expect(sweepStore.get().curves.j1).toEqual([0.5, 0.4, 0.3]);
    expect(sweepStore.get().totals).toEqual({ j1: 3 });

    const j2 = sockets.get("j2")!;
    const progress = { epoch: 1, epochs: 1, step: 2, total_steps: 59, images_per_s: null, eta_s: null, fraction: 0.03 };
    j2.onMessage({ v: 1, type: "hello", job: { id: "j2", state: "running", progress } } as unknown as JobServerMessage);
    expect(sweepStore.get().totals).toEqual({ j1: 3, j2: 59 });
    j2.onMessage({ v: 1, type: "history", losses: [0.7, 0.6], epochs: [] } as unknown as JobServerMessage);
    j2.onMessage({ v: 1, type: "losses", start_step: 2, values: [0.55] } as unknown as JobServerMessage);
    expect(sweepStore.get().curves.j2).toEqual([0.7, 0.6, 0.55]);

    // j2 ends, j3 starts: the next poll opens j3's socket and tells the lab a model arrived.
    info = sweepInfo([job("j1", 2, "done", 12), job("j2", 8, "done", 15), job("j3", 16, "running")]);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect([...sockets.keys()]).toEqual(["j2", "j3"]);
    expect(a.log).toContain("ended");
    expect(sweep.mock.calls.length).toBe(2);
    // The socket's end: no fetch of j2's losses (the socket gave them all).
    j2.onMessage({ v: 1, type: "end", state: "done", model_id: "model-j2", error: null } as unknown as JobServerMessage);
    await flush();
    expect(jobDetail).not.toHaveBeenCalledWith("j2");

    info = sweepInfo([job("j1", 2, "done", 12), job("j2", 8, "done", 15), job("j3", 16, "done", 17)], "done");
    await vi.advanceTimersByTimeAsync(POLL_MS);
    const calls = sweep.mock.calls.length;
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(sweep.mock.calls.length).toBe(calls); // done: no more polling
    expect(sweepStore.get().open?.state).toBe("done");
    s.dispose();
  });

  it("reads a shipped sweep's losses from its models' histories", async () => {
    const info = { ...sweepInfo([job("ae-l2", 2, "done", 12), job("ae-l8", 8, "done", 15)], "done"), pretrained: true };
    const model = vi.fn(async (id: string) => ({ history: { losses: id === "model-ae-l2" ? [0.3, 0.2] : [0.25], epochs: [] } }));
    const jobDetail = vi.fn();
    const s = new SweepSession({ sweeps: async () => [info], sweep: async () => info, model, job: jobDetail } as unknown as LabClient, actions());
    await s.open("s1");
    await flush();
    expect(model.mock.calls.map((c) => c[0])).toEqual(["model-ae-l2", "model-ae-l8"]);
    expect(jobDetail).not.toHaveBeenCalled();
    expect(sweepStore.get().curves).toEqual({ "ae-l2": [0.3, 0.2], "ae-l8": [0.25] });
    expect(sockets.size).toBe(0);
  });

  it("cancels and reads the sweep again; a gone sweep closes with a notice", async () => {
    let info = sweepInfo([job("j1", 2, "running")]);
    const cancelSweep = vi.fn(async () => {
      info = sweepInfo([job("j1", 2, "cancelled")], "cancelled");
      return info;
    });
    const s = new SweepSession({ sweeps: async () => [info], sweep: async () => info, cancelSweep, job: async () => ({ losses: [], progress: { total_steps: 0 } }) } as unknown as LabClient, actions());
    await s.open("s1");
    await s.cancel();
    expect(cancelSweep).toHaveBeenCalledWith("s1");
    expect(sweepStore.get().open?.state).toBe("cancelled");
    expect(sweepStore.get().cancelling).toBe(false);

    const gone = new SweepSession(
      {
        sweeps: async () => [],
        sweep: async () => {
          throw new ApiError(404, "no sweep 's1'");
        },
      } as unknown as LabClient,
      actions(),
    );
    await gone.open("s1");
    expect(sweepStore.get().open).toBeNull();
    expect(pageStore.get().notice?.text).toBe("This sweep no longer exists.");
  });

  it("a click explores a point's model; two shift-clicks compare; a model not there yet says so", async () => {
    const info = sweepInfo([job("j1", 2, "done", 12), job("j2", 8, "done", 15), job("j3", 16, "running")]);
    const a = actions();
    const s = new SweepSession({ sweeps: async () => [info], sweep: async () => info, job: async () => ({ losses: [], progress: { total_steps: 0 } }) } as unknown as LabClient, a);
    await s.open("s1");
    await s.pick(info.jobs[0]!, false);
    expect(a.log).toEqual(["explore model-j1"]);
    await s.pick(info.jobs[0]!, true);
    expect(sweepStore.get().picked).toBe("j1");
    await s.pick(info.jobs[1]!, true);
    expect(a.log).toEqual(["explore model-j1", "compare model-j1 model-j2"]);
    expect(sweepStore.get().picked).toBeNull();
    await s.pick(info.jobs[2]!, false);
    expect(pageStore.get().notice?.text).toBe("This job is running: its model comes when it is done.");
    expect(a.log).toHaveLength(2);
    s.dispose();
  });
});
