// A training job as the page shows it, and the pure reducer that folds the job WebSocket's
// messages into it. Loss values are never dropped: a gap asks for a resync (history replay).
import type { EpochMetrics, JobInfo, JobServerMessage, JobState, LayerActivation, Tensor8 } from "../api/types";
import type { AnswerLayer } from "../api/exploreFrames";
import { decodeTensor8, type FloatTensor } from "../lib/viz/tensor8";

export interface LayerTensor {
  name: string;
  part: "encoder" | "decoder";
  kind: string;
  tensor: FloatTensor;
}

export interface SnapshotView {
  step: number;
  inputs: FloatTensor[];
  reconstructions: FloatTensor[];
  activations: LayerTensor[];
}

export interface JobView {
  job: JobInfo | null;
  /** Every batch's loss; null where the loss was not finite (a diverged run). */
  losses: (number | null)[];
  epochs: EpochMetrics[];
  snapshot: SnapshotView | null;
  end: { state: JobState; model_id: string | null; error: string | null } | null;
  /** Set when a loss message left a gap: the owner reconnects, and the history comes again. */
  resync: boolean;
  /** How many timeline frames the job has recorded so far (GET /api/jobs/{id}/timeline/{index} shows one). */
  timelineFrames: number;
  error: string | null;
}

export const emptyJobView: JobView = {
  job: null,
  losses: [],
  epochs: [],
  snapshot: null,
  end: null,
  resync: false,
  timelineFrames: 0,
  error: null,
};

export function decodeLayers(layers: (LayerActivation | AnswerLayer)[]): LayerTensor[] {
  return layers.map((l) => ({ name: l.name, part: l.part, kind: l.kind, tensor: decodeTensor8(l.tensor) }));
}

const decodeAll = (ts: Tensor8[]) => ts.map(decodeTensor8);

export const isActive = (s: JobState | undefined) => s === "queued" || s === "running";

export function applyJobMessage(v: JobView, msg: JobServerMessage): JobView {
  switch (msg.type) {
    case "hello":
      return {
        ...v,
        job: msg.job,
        end: isActive(msg.job.state) ? null : { state: msg.job.state, model_id: msg.job.model_id, error: msg.job.error },
        error: null,
      };
    case "history":
      return { ...v, losses: [...msg.losses], epochs: [...msg.epochs], resync: false };
    case "losses": {
      const n = v.losses.length;
      if (msg.start_step > n) return { ...v, resync: true };
      if (msg.start_step === n) return { ...v, losses: v.losses.concat(msg.values) };
      // Overlap (e.g. after a replay): the newer values replace from start_step on.
      const merged = v.losses.slice(0, msg.start_step).concat(msg.values);
      return { ...v, losses: merged.length >= n ? merged : merged.concat(v.losses.slice(merged.length)) };
    }
    case "progress": {
      if (!v.job) return v;
      const { type: _t, v: _v, ...progress } = msg;
      const state: JobState = v.job.state === "queued" ? "running" : v.job.state;
      return { ...v, job: { ...v.job, state, progress } };
    }
    case "epoch": {
      const { type: _t, v: _v, ...e } = msg;
      return { ...v, epochs: [...v.epochs.filter((x) => x.epoch !== e.epoch), e] };
    }
    case "snapshot":
      return {
        ...v,
        snapshot: {
          step: msg.step,
          inputs: decodeAll(msg.inputs),
          reconstructions: decodeAll(msg.reconstructions),
          activations: decodeLayers(msg.activations),
        },
      };
    case "timeline_frame":
      return msg.index < v.timelineFrames ? v : { ...v, timelineFrames: msg.index + 1 };
    case "end": {
      const job = v.job
        ? {
            ...v.job,
            state: msg.state,
            model_id: msg.model_id,
            error: msg.error,
            progress: msg.state === "done" ? { ...v.job.progress, fraction: 1, eta_s: 0 } : v.job.progress,
          }
        : null;
      return { ...v, job, end: { state: msg.state, model_id: msg.model_id, error: msg.error } };
    }
    case "error":
      return { ...v, error: msg.message };
    default:
      return v; // a message a newer server sends that this page does not know: ignored, never a broken view
  }
}

/** The step at which an epoch's test loss is drawn: its last batch. Epochs count from 1. */
export function epochEndStep(epoch: number, totalSteps: number, epochs: number): number {
  const perEpoch = totalSteps / Math.max(1, epochs);
  return Math.max(0, Math.round(epoch * perEpoch) - 1);
}
