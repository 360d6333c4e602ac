import { describe, expect, it } from "vitest";
import { applyJobMessage, emptyJobView, epochEndStep, type JobView } from "./job";
import type { JobInfo, JobServerMessage, ModelSpec } from "../api/types";
import { encodeTensor8 } from "../lib/viz/tensor8";

const spec = { dataset: "mnist", epochs: 2 } as unknown as ModelSpec;
const job: JobInfo = {
  id: "j1",
  state: "queued",
  spec,
  created: "2026-01-01T00:00:00Z",
  progress: { epoch: 0, epochs: 2, step: 0, total_steps: 10, images_per_s: 0, eta_s: null, fraction: 0 },
  model_id: null,
  error: null,
  started: null,
  ended: null,
  checkpoint_epoch: 0,
  executor: "local",
};

const fold = (msgs: JobServerMessage[], from: JobView = emptyJobView) => msgs.reduce(applyJobMessage, from);

describe("applyJobMessage", () => {
  it("takes hello and history, then appends contiguous losses", () => {
    const v = fold([
      { v: 1, type: "hello", job },
      { v: 1, type: "history", losses: [1, 0.9], epochs: [] },
      { v: 1, type: "losses", start_step: 2, values: [0.8, 0.7] },
      { v: 1, type: "losses", start_step: 4, values: [0.6] },
    ]);
    expect(v.job?.id).toBe("j1");
    expect(v.losses).toEqual([1, 0.9, 0.8, 0.7, 0.6]);
    expect(v.resync).toBe(false);
  });

  it("asks for a resync on a gap and never invents values", () => {
    const v = fold([{ v: 1, type: "history", losses: [1], epochs: [] }, { v: 1, type: "losses", start_step: 3, values: [0.5] }]);
    expect(v.resync).toBe(true);
    expect(v.losses).toEqual([1]);
    const w = applyJobMessage(v, { v: 1, type: "history", losses: [1, 0.9, 0.8, 0.5], epochs: [] });
    expect(w.resync).toBe(false);
    expect(w.losses).toEqual([1, 0.9, 0.8, 0.5]);
  });

  it("replaces overlapping values without shortening", () => {
    const v = fold([
      { v: 1, type: "history", losses: [1, 2, 3, 4], epochs: [] },
      { v: 1, type: "losses", start_step: 1, values: [9] },
    ]);
    expect(v.losses).toEqual([1, 9, 3, 4]);
  });

  it("tracks progress, epochs and the end", () => {
    const v = fold([
      { v: 1, type: "hello", job },
      { v: 1, type: "progress", epoch: 1, epochs: 2, step: 5, total_steps: 10, images_per_s: 1000, eta_s: 3, fraction: 0.5 },
      { v: 1, type: "epoch", epoch: 1, train_loss: 0.3, test_loss: 0.25, psnr: 14, ssim: 0.6 },
      { v: 1, type: "end", state: "done", model_id: "m1", error: null },
    ]);
    expect(v.job?.state).toBe("done");
    expect(v.job?.progress.fraction).toBe(1);
    expect(v.job?.model_id).toBe("m1");
    expect(v.epochs).toEqual([{ epoch: 1, train_loss: 0.3, test_loss: 0.25, psnr: 14, ssim: 0.6 }]);
    expect(v.end).toEqual({ state: "done", model_id: "m1", error: null });
  });

  it("marks a running job from progress and decodes snapshots", () => {
    const t = encodeTensor8({ channels: 1, height: 2, width: 2, data: Float32Array.from([0, 1, 0.5, 0.25]) });
    const v = fold([
      { v: 1, type: "hello", job },
      { v: 1, type: "progress", ...job.progress, step: 1 },
      { v: 1, type: "snapshot", step: 1, inputs: [t], reconstructions: [t], activations: [{ name: "enc_conv1", part: "encoder", kind: "conv", tensor: t }] },
    ]);
    expect(v.job?.state).toBe("running");
    expect(v.snapshot?.step).toBe(1);
    expect(v.snapshot?.inputs[0]?.data[1]).toBeCloseTo(1);
    expect(v.snapshot?.activations[0]?.tensor.channels).toBe(1);
  });

  it("shows an interrupted job with its history, and the end that names it", () => {
    const stopped = { ...job, state: "interrupted" as const, checkpoint_epoch: 1, error: "the server stopped" };
    const v = fold([
      { v: 1, type: "hello", job: stopped },
      { v: 1, type: "history", losses: [0.9, 0.8], epochs: [] },
      { v: 1, type: "losses", start_step: 2, values: [0.7] },
      { v: 1, type: "end", state: "interrupted", model_id: null, error: "the server stopped" },
    ]);
    expect(v.losses).toEqual([0.9, 0.8, 0.7]); // a history sent in chunks joins up
    expect(v.job?.state).toBe("interrupted");
    expect(v.end).toEqual({ state: "interrupted", model_id: null, error: "the server stopped" });
  });

  it("keeps the error of an unknown job", () => {
    expect(applyJobMessage(emptyJobView, { v: 1, type: "error", request_id: null, message: "no job x" }).error).toBe("no job x");
  });
});

describe("epochEndStep", () => {
  it("puts an epoch's marker at its last batch", () => {
    expect(epochEndStep(1, 10, 2)).toBe(4);
    expect(epochEndStep(2, 10, 2)).toBe(9);
  });
});

describe("timeline frames", () => {
  it("counts the frames a job has announced, once each", () => {
    const frame = (index: number) => ({ v: 1 as const, type: "timeline_frame" as const, index, step: index * 3, epoch: 1, loss: 0.5 });
    let v = applyJobMessage(emptyJobView, frame(0));
    v = applyJobMessage(v, frame(1));
    expect(v.timelineFrames).toBe(2);
    expect(applyJobMessage(v, frame(0))).toBe(v); // a replayed announcement changes nothing
  });
});
