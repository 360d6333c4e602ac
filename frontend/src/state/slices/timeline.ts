// "How it learned": the explored model's training timeline, the frame shown and whether it plays.
import type { TimelineFrameInfo } from "../../api/types";
import type { LayerTensor } from "../job";
import { slice } from "./slice";

/** One frame as the page shows it (decoded from the wire). */
export interface FrameView {
  index: number;
  step: number;
  epoch: number;
  loss: number | null;
  inputs: Float32Array[];
  reconstructions: Float32Array[];
  layers: LayerTensor[];
  /** The map sample's positions (unit RMS radius, each frame turned onto the previous one). */
  points: [number, number][];
  labels: number[];
}

export type TimelineStatus = "idle" | "loading" | "ready" | "none" | "error";

export interface TimelineState {
  model: string | null;
  status: TimelineStatus;
  /** Why there is none (a model saved without a timeline) or what failed. */
  reason: string | null;
  frames: TimelineFrameInfo[];
  /** The scrubber's position. */
  index: number;
  /** The newest frame that arrived (it may lag `index` while one is fetched). */
  frame: FrameView | null;
  playing: boolean;
}

export const timelineStore = slice<TimelineState>(() => ({
  model: null,
  status: "idle",
  reason: null,
  frames: [],
  index: 0,
  frame: null,
  playing: false,
}));
export const useTimeline = timelineStore.use;

export const selectTimelineStatus = (s: TimelineState) => s.status;
export const selectTimelineReason = (s: TimelineState) => s.reason;
export const selectTimelineFrames = (s: TimelineState) => s.frames;
export const selectTimelineIndex = (s: TimelineState) => s.index;
export const selectTimelineFrame = (s: TimelineState) => s.frame;
export const selectTimelinePlaying = (s: TimelineState) => s.playing;
