// "How it learned": follows the explored model, loads its timeline's frame list, fetches the frame the
// scrubber points at (a few kept, the next one fetched ahead while playing) and plays the frames in turn.
// It is the link session's FrameHook: a link's frame opens here, and a frame the user chose goes in the URL.
import type { TimelineFrame } from "../../api/types";
import { ApiError } from "../../api/client";
import { decodeImageBatch } from "../../lib/viz/imagebatch";
import { decodeLayers } from "../job";
import { modelStore } from "../slices/model";
import { timelineStore, type FrameView } from "../slices/timeline";
import type { FrameHook } from "./link";
import { message, type LabClient } from "./notify";

/** How long each frame stays while playing (about 100 frames: 12 s from random to trained). */
export const PLAY_MS = 120;
const KEPT = 48;

export function frameView(f: TimelineFrame): FrameView {
  return {
    index: f.index,
    step: f.step,
    epoch: f.epoch,
    loss: f.loss,
    inputs: decodeImageBatch(f.inputs).images,
    reconstructions: decodeImageBatch(f.reconstructions).images,
    layers: decodeLayers(f.activations),
    points: f.map.x.map((x, i) => [x, f.map.y[i]!] as [number, number]),
    labels: f.map.labels,
  };
}

export class TimelineSession implements FrameHook {
  private model: string | null = null;
  private cache = new Map<number, Promise<FrameView>>();
  private touched = false;
  private pending: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stop: (() => void) | null = null;

  constructor(
    private readonly client: LabClient,
    private readonly playMs = PLAY_MS,
  ) {}

  /** From now on the timeline follows the explored model. */
  follow(): void {
    this.stop = modelStore.subscribe(() => {
      const id = modelStore.get().id;
      if (id !== this.model) void this.load(id);
    });
    const id = modelStore.get().id;
    if (id !== this.model) void this.load(id);
  }

  dispose(): void {
    this.stop?.();
    this.pause();
  }

  /** The frame in the URL: only one the user (or a link) chose. */
  frame(): number | null {
    return this.touched ? timelineStore.get().index : null;
  }

  /** Show frame `index` (clamped to the frames there are); before the list has come, once it comes. */
  show(index: number): void {
    this.touched = true;
    const { frames, status } = timelineStore.get();
    if (status !== "ready") {
      this.pending = index;
      return;
    }
    const at = Math.max(0, Math.min(frames.length - 1, Math.round(index)));
    timelineStore.set({ index: at });
    void this.fetch(at).then((view) => {
      if (view && timelineStore.get().index === at) timelineStore.set({ frame: view });
    });
  }

  play(): void {
    const { frames, index, status } = timelineStore.get();
    if (status !== "ready" || !frames.length) return;
    if (index >= frames.length - 1) this.show(0); // from the start again
    timelineStore.set({ playing: true });
    this.tick();
  }

  pause(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (timelineStore.get().playing) timelineStore.set({ playing: false });
  }

  /** Next frame once the shown one has arrived, so a slow network slows the film instead of skipping it. */
  private tick(): void {
    this.timer = setTimeout(async () => {
      this.timer = null;
      const { index, frames, playing } = timelineStore.get();
      if (!playing) return;
      if (index >= frames.length - 1) return this.pause();
      await this.fetch(index + 1);
      if (!timelineStore.get().playing) return;
      this.show(index + 1);
      void this.fetch(index + 2); // ahead
      this.tick();
    }, this.playMs);
  }

  private async load(id: string | null): Promise<void> {
    this.pause();
    this.model = id;
    this.cache.clear();
    timelineStore.set({ model: id, status: id ? "loading" : "idle", reason: null, frames: [], index: 0, frame: null });
    if (!id) return;
    try {
      const t = await this.client.timeline(id);
      if (this.model !== id) return;
      timelineStore.set({ status: "ready", frames: t.frames });
      const start = this.pending ?? t.frames.length - 1; // the trained model, unless a link names a frame
      const touched = this.pending !== null;
      this.pending = null;
      this.show(start);
      this.touched = touched;
    } catch (e) {
      if (this.model !== id) return;
      const none = e instanceof ApiError && e.status === 404;
      this.pending = null;
      timelineStore.set({ status: none ? "none" : "error", reason: none ? "This model was saved without a training timeline." : message(e) });
    }
  }

  private fetch(index: number): Promise<FrameView | null> {
    const id = this.model;
    const { frames } = timelineStore.get();
    if (!id || index < 0 || index >= frames.length) return Promise.resolve(null);
    let got = this.cache.get(index);
    if (!got) {
      got = this.client.timelineFrame(id, index).then(frameView);
      this.cache.set(index, got);
      got.catch(() => this.cache.delete(index));
      if (this.cache.size > KEPT) this.cache.delete(this.cache.keys().next().value!);
    }
    return got.then(
      (v) => (this.model === id ? v : null),
      (e) => {
        if (this.model === id) timelineStore.set({ reason: `Could not load frame ${index}: ${message(e)}` });
        return null;
      },
    );
  }
}
