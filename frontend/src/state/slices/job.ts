// The watched training job as the page shows it (folded from its socket's messages by ../job.ts), and the
// interrupted jobs the server lists (stopped with the server; each can be resumed).
import type { SocketStatus } from "../../api/sockets";
import type { JobInfo } from "../../api/types";
import { emptyJobView, isActive, type JobView } from "../job";
import { slice } from "./slice";

export interface JobSliceState {
  view: JobView;
  socket: SocketStatus;
  /** Interrupted jobs, newest first. */
  interrupted: JobInfo[];
  /** The job whose resume request is on its way (its button waits). */
  resuming: string | null;
}

export const jobStore = slice<JobSliceState>(() => ({ view: emptyJobView, socket: "closed", interrupted: [], resuming: null }));
export const useJob = jobStore.use;

export const selectJobView = (s: JobSliceState) => s.view;
export const selectSnapshot = (s: JobSliceState) => s.view.snapshot;
export const selectTraining = (s: JobSliceState) => isActive(s.view.job?.state);
/** The watched job's progress in whole percent (0 before any). */
export const selectJobPercent = (s: JobSliceState) => Math.round((s.view.job?.progress.fraction ?? 0) * 100);
export const selectInterrupted = (s: JobSliceState) => s.interrupted;
export const selectResuming = (s: JobSliceState) => s.resuming;
