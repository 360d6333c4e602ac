// `/?bench=chart`: the training panel fed with a synthetic loss stream through the real job slice and
// reducer, for the browser benchmark (npm run bench). Not reachable from the lab's UI. It writes the
// slices itself, standing in for the job session and its socket.
import { createRoot } from "react-dom/client";
import { LabContext } from "../state/context";
import { Lab } from "../state/lab";
import { applyJobMessage, emptyJobView } from "../state/job";
import { draftStore } from "../state/slices/draft";
import { jobStore } from "../state/slices/job";
import { pageStore } from "../state/slices/page";
import { TrainPanel } from "../components/TrainPanel";
import type { JobInfo, JobServerMessage } from "../api/types";

const TOTAL = 2500;

function job(): JobInfo {
  return {
    id: "bench",
    state: "running",
    spec: { ...draftStore.get().spec },
    created: new Date().toISOString(),
    progress: { epoch: 1, epochs: 5, step: 0, total_steps: TOTAL, images_per_s: 1000, eta_s: 60, fraction: 0 },
    model_id: null,
    error: null,
    started: null,
    ended: null,
    checkpoint_epoch: 0,
    executor: "local",
  };
}

const send = (msg: JobServerMessage) => jobStore.set((s) => ({ view: applyJobMessage(s.view, msg) }));

/** Streams `updates` messages of `perUpdate` losses every `everyMs`; resolves with the points shown. */
function stream(updates: number, perUpdate: number, everyMs: number, start: number): Promise<number> {
  return new Promise((done) => {
    let n = 0;
    let step = start;
    const timer = setInterval(() => {
      const values = Array.from({ length: perUpdate }, (_, i) => 0.7 * Math.exp(-(step + i) / 600) + 0.1 + 0.01 * Math.sin(step + i));
      send({ v: 1, type: "losses", start_step: step, values });
      step += perUpdate;
      send({ v: 1, type: "progress", epoch: 1 + Math.floor(step / 500), epochs: 5, step, total_steps: TOTAL, images_per_s: 1000, eta_s: 10, fraction: Math.min(1, step / TOTAL) });
      if (step % 500 === 0) send({ v: 1, type: "epoch", epoch: step / 500, train_loss: 0.2, test_loss: 0.19, psnr: 20, ssim: 0.8 });
      if (++n >= updates) {
        clearInterval(timer);
        setTimeout(() => done(jobStore.get().view.losses.length), 200);
      }
    }, everyMs);
  });
}

export function mountChartBench(el: HTMLElement) {
  pageStore.set({ tab: "build" });
  jobStore.set({ view: { ...emptyJobView, job: job() } });
  createRoot(el).render(
    <LabContext.Provider value={new Lab()}>
      <div style={{ width: 760, padding: 12 }}>
        <TrainPanel />
      </div>
    </LabContext.Provider>,
  );
  const w = window as unknown as Record<string, unknown>;
  // Fill to 2,500 points at 10 Hz (25 per message), then keep 10 Hz with the chart full.
  w.benchFill = () => stream(100, 25, 100, 0);
  w.benchFull = () => stream(100, 1, 100, jobStore.get().view.losses.length);
}
