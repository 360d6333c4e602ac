// Training: start, cancel and resume, progress, the live loss chart and the probe images as they learn.
import { useMemo, useState } from "react";
import { useSessions } from "../state/context";
import { selectSpec, selectValidation, useDraft } from "../state/slices/draft";
import { selectJobView, selectResuming, selectSnapshot, useJob } from "../state/slices/job";
import { selectDetail, useModel } from "../state/slices/model";
import { isActive } from "../state/job";
import type { EpochMetrics } from "../api/types";
import { displayRanges } from "../lib/viz/normalize";
import { count, duration, num } from "../lib/format";
import { ActivationRows } from "./ActivationColumn";
import { Heatmap } from "./Heatmap";
import { InterruptedJobs } from "./InterruptedJobs";
import { LossChart } from "./LossChart";
import { QualityChart } from "./QualityChart";
import { Panel } from "./Panel";
import { TableHead } from "./TableHead";

export function TrainPanel() {
  const lab = useSessions();
  const v = useDraft(selectValidation);
  const spec = useDraft(selectSpec);
  const jv = useJob(selectJobView);
  const resuming = useJob(selectResuming);
  const job = jv.job;
  const active = isActive(job?.state);
  const canTrain = v.status === "valid" && !active;
  const p = job?.progress;
  const stepsPerEpoch = p && p.epochs ? p.total_steps / p.epochs : 1;
  const pct = p ? Math.round(p.fraction * 100) : 0;

  return (
    <Panel id="train" title="Train" className="train" explain="Every batch's loss as it trains, the test loss, PSNR and SSIM after each epoch, and the probe images as the model learns them.">
      <div className="train-controls">
        {!active ? (
          <button type="button" className="primary" disabled={!canTrain} onClick={() => void lab.job.start()} data-testid="train-button">
            Train {spec.epochs} epoch{spec.epochs === 1 ? "" : "s"} on {spec.dataset}
          </button>
        ) : (
          <button type="button" className="danger" onClick={() => void lab.job.cancel()} data-testid="cancel-button">
            Cancel
          </button>
        )}
        {v.status === "invalid" && <span className="error-text">Fix the marked fields to train.</span>}
        {v.status === "checking" && !active && <span className="muted">checking the spec…</span>}
        {job?.state === "interrupted" && (
          <button type="button" disabled={!!resuming} onClick={() => void lab.job.resumeJob(job.id)} data-testid="resume-watched">
            Resume after epoch {job.checkpoint_epoch}
          </button>
        )}
        {jv.end?.state === "done" && jv.end.model_id && (
          <button type="button" onClick={() => void lab.exploreTrained(jv.end!.model_id!)} data-testid="explore-trained">
            Explore this model
          </button>
        )}
      </div>
      <InterruptedJobs />
      {job && (
        <div className="progress-block" data-testid="progress" data-state={job.state} data-fraction={p?.fraction ?? 0}>
          <progress max={1} value={p?.fraction ?? 0} aria-label={`training progress ${pct}%`} />
          <span className="progress-text">
            <strong>{job.state === "running" || job.state === "queued" ? `${pct}%` : job.state}</strong>
            {p && (
              <>
                {" "}
                · epoch {p.epoch}/{p.epochs} · step {count(p.step)}/{count(p.total_steps)} ·{" "}
                {count(p.images_per_s)} images/s · ETA {duration(p.eta_s)}
              </>
            )}
          </span>
          {job.error && <p className="error-text">{job.error}</p>}
          {jv.error && <p className="error-text">{jv.error}</p>}
        </div>
      )}
      {job ? (
        <>
          <LossChart losses={jv.losses} epochs={jv.epochs} totalSteps={p?.total_steps ?? 0} stepsPerEpoch={stepsPerEpoch} />
          <h3>
            Test-set quality per epoch{" "}
            <span className="muted">{jv.epochs.length ? "(higher is better)" : "(after the first epoch)"}</span>
          </h3>
          <QualityChart epochs={jv.epochs} totalEpochs={p?.epochs ?? job.spec.epochs ?? 1} />
        </>
      ) : (
        <>
          <p className="empty">No training yet: set up a model on the left and press Train.</p>
          <History />
        </>
      )}
      {jv.epochs.length > 0 && <EpochTable epochs={jv.epochs} />}
      {jv.snapshot && <Probes />}
    </Panel>
  );
}

/** Before any job: how the model in use was trained, from its saved history. */
function History() {
  const model = useModel(selectDetail);
  const history = model?.history;
  if (!model || !history || !history.epochs.length) return null;
  const steps = history.losses.length;
  return (
    <div className="history" data-testid="model-history">
      <h3>
        How “{model.title}” trained <span className="muted">(the model in use: {history.epochs.length} epochs, {count(steps)} batches)</span>
      </h3>
      <LossChart losses={history.losses} epochs={history.epochs} totalSteps={steps} stepsPerEpoch={steps / history.epochs.length} testId="history-loss-chart" />
      <QualityChart epochs={history.epochs} totalEpochs={history.epochs.length} testId="history-quality-chart" />
      <EpochTable epochs={history.epochs} testId="history-epoch-table" />
    </div>
  );
}

function EpochTable({ epochs, testId = "epoch-table" }: { epochs: EpochMetrics[]; testId?: string }) {
  return (
    <table className="epoch-table" data-testid={testId}>
      <TableHead columns={["epoch", { label: "train loss", num: true }, { label: "test loss", num: true }, { label: "PSNR", num: true }, { label: "SSIM", num: true }]} />
      <tbody>
        {epochs.map((e) => (
          <tr key={e.epoch}>
            <td>{e.epoch}</td>
            <td className="num">{num(e.train_loss, 4)}</td>
            <td className="num">{num(e.test_loss, 4)}</td>
            <td className="num">{num(e.psnr)} dB</td>
            <td className="num">{num(e.ssim)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Probes() {
  const snap = useJob(selectSnapshot)!;
  const [layerName, setLayerName] = useState<string>("");
  const layer = snap.activations.find((l) => l.name === layerName) ?? snap.activations[0];
  const ranges = useMemo(() => (layer ? displayRanges([layer.tensor], "channel") : []), [layer]);
  return (
    <div className="probes" data-testid="probes" data-step={snap.step}>
      <h3>
        Probe images at step {count(snap.step)} <span className="muted">(top: input, below: reconstruction)</span>
      </h3>
      <div className="probe-grid">
        {snap.inputs.map((t, i) => (
          <div className="probe" key={i}>
            <Heatmap values={t.data} width={t.width} height={t.height} lo={0} hi={1} cmap="ink" zoom={2} label={`probe ${i} input`} />
            {snap.reconstructions[i] && (
              <Heatmap
                values={snap.reconstructions[i]!.data}
                width={snap.reconstructions[i]!.width}
                height={snap.reconstructions[i]!.height}
                lo={0}
                hi={1}
                cmap="ink"
                zoom={2}
                label={`probe ${i} reconstruction`}
                testId={`probe-recon-${i}`}
              />
            )}
          </div>
        ))}
      </div>
      {layer && (
        <>
          <label className="field inline">
            <span>Activations of probe 0 in</span>
            <select value={layer.name} onChange={(e) => setLayerName(e.target.value)}>
              {snap.activations.map((l) => (
                <option key={l.name} value={l.name}>
                  {l.name}
                </option>
              ))}
            </select>
          </label>
          <ActivationRows layers={[layer]} ranges={ranges} testId="probe-activations" cellPx={24} />
        </>
      )}
    </div>
  );
}
