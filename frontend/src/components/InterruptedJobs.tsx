// Jobs the server stopped (or lost in a crash) while they were queued or training: each resumes after
// its last finished epoch, streaming like a new job, or is discarded.
import { useSessions } from "../state/context";
import { selectInterrupted, selectResuming, selectTraining, useJob } from "../state/slices/job";
import type { JobInfo, ModelSpec } from "../api/types";
import { specLine } from "../lib/format";

/** "after epoch 2 of 5" or "before its first epoch ended". */
function where(job: JobInfo): string {
  const epochs = job.spec.epochs ?? job.progress.epochs;
  return job.checkpoint_epoch ? `after epoch ${job.checkpoint_epoch} of ${epochs}` : `before its first of ${epochs} epochs ended`;
}

export function InterruptedJobs() {
  const lab = useSessions();
  const jobs = useJob(selectInterrupted);
  const resuming = useJob(selectResuming);
  const training = useJob(selectTraining);
  if (!jobs.length) return null;
  return (
    <div className="interrupted-jobs" data-testid="interrupted-jobs">
      <h3>
        Interrupted jobs <span className="muted">(the server stopped while they trained; Resume continues after the last finished epoch)</span>
      </h3>
      <ul>
        {jobs.map((j) => (
          <li key={j.id} data-testid="interrupted-job" data-job={j.id} data-epoch={j.checkpoint_epoch}>
            <span className="job-line">
              <strong>{specLine(j.spec as ModelSpec)}</strong> on {j.spec.dataset ?? "mnist"} · stopped {where(j)}
              {j.ended && <span className="muted"> · {new Date(j.ended).toLocaleString()}</span>}
            </span>
            <button
              type="button"
              className="primary"
              disabled={training || resuming !== null}
              title={training ? "Wait for the running job to end" : undefined}
              onClick={() => void lab.job.resumeJob(j.id)}
              data-testid="resume-button"
            >
              {resuming === j.id ? "Resuming…" : "Resume"}
            </button>
            <button type="button" disabled={resuming !== null} onClick={() => void lab.job.discard(j.id)} data-testid="discard-button">
              Discard
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
