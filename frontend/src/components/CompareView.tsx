// Compare: one input, two models side by side. Each model column reads top to bottom as the
// data flows (reconstruction and its error, the code, then every layer), so the eye can go across
// between the two at every stage. The second model has its own explore socket.
import { useEffect, useMemo, useRef } from "react";
import type { ModelSummary } from "../api/types";
import { useController } from "../state/context";
import { better, sameCorruption, sameImage } from "../lib/compare";
import { setLab, useLab, type ExploreView } from "../state/store";
import { displayRanges } from "../lib/viz/normalize";
import { difference } from "../lib/viz/imagedata";
import { count, modelMetric, num, specLine } from "../lib/format";
import { ActivationRows } from "./ActivationColumn";
import { Heatmap } from "./Heatmap";
import { InputPanel } from "./InputPanel";
import { LatentStrip } from "./LatentStrip";
import { Legend } from "./Legend";

type Side = "a" | "b";

function ModelOptions({ models }: { models: ModelSummary[] }) {
  return (
    <>
      {models.map((m) => (
        <option key={m.id} value={m.id}>
          {m.title}
          {m.pretrained ? "" : " (trained here)"}
        </option>
      ))}
    </>
  );
}

function Metric(props: { label: string; title: string; value: string; rank: -1 | 0 | 1; side: Side; testId: string }) {
  const best = (props.rank === -1 && props.side === "a") || (props.rank === 1 && props.side === "b");
  return (
    <>
      <dt title={props.title}>{props.label}</dt>
      <dd data-testid={props.testId} className={best ? "better" : undefined}>
        {props.value}
        {best && <span className="sr-only"> (better)</span>}
      </dd>
    </>
  );
}

function Column(props: { side: Side; modelId: string | null; result: ExploreView | null; other: ExploreView | null; onPick: (id: string) => void; status: string | null }) {
  const { side, result, other } = props;
  const models = useLab((s) => s.models);
  const input = useLab((s) => s.input);
  const noise = useLab((s) => s.corruption);
  const norm = useLab((s) => s.norm);
  const model = models.find((m) => m.id === props.modelId);
  // Current: this image, with the noise now chosen (both columns see the same one).
  const fresh = !!result && sameImage(result.input, input) && sameCorruption(result.corruption, noise);
  const layers = useMemo(() => result?.layers ?? [], [result]);
  const ranges = useMemo(() => displayRanges(layers.map((l) => l.tensor), norm), [layers, norm]);
  const diff = useMemo(() => (result ? difference(result.reconstruction, result.input) : null), [result]);
  const psnr = model ? modelMetric(model, "test_psnr", "psnr") : null;
  const ssim = model ? modelMetric(model, "test_ssim", "ssim") : null;
  const rank = (pick: (r: ExploreView) => number | null, higher: boolean) => {
    const mine = result ? pick(result) : null;
    const theirs = other && result && sameImage(other.input, result.input) && sameCorruption(other.corruption, result.corruption) ? pick(other) : null;
    return side === "a" ? better(mine, theirs, higher) : better(theirs, mine, higher);
  };
  const label = side === "a" ? "Model A" : "Model B";
  return (
    <section className="panel compare-col" data-testid={`compare-${side}`} data-same-input={fresh} aria-labelledby={`compare-title-${side}`}>
      <header className="panel-head">
        <h2 id={`compare-title-${side}`} data-testid={`compare-title-${side}`}>
          <span className="muted">{side.toUpperCase()} · </span>
          {model?.title ?? "no model"}
        </h2>
        <label className="field inline">
          <span className="sr-only">{label}</span>
          <select value={props.modelId ?? ""} onChange={(e) => props.onPick(e.target.value)} data-testid={`compare-select-${side}`} aria-label={label}>
            {!props.modelId && <option value="">choose…</option>}
            <ModelOptions models={models} />
          </select>
        </label>
      </header>
      <p className="explain">
        {model ? (
          <>
            {specLine(model.spec)} · {count(model.params, true)} params
            {psnr !== null && ` · test PSNR ${num(psnr)} dB`}
            {ssim !== null && ` · SSIM ${num(ssim)}`}
          </>
        ) : (
          "Pick a model to compare."
        )}
        {props.status && <span className="warn"> {props.status}</span>}
      </p>
      {!result ? (
        <p className="empty">Waiting for the model…</p>
      ) : (
        <div className={fresh ? "compare-body" : "compare-body stale"}>
          <div className="compare-out">
            <figure>
              <Heatmap values={result.reconstruction} width={28} height={28} lo={0} hi={1} cmap="ink" zoom={4} label={`${label} reconstruction`} testId={`compare-recon-${side}`} />
              <figcaption>reconstruction</figcaption>
            </figure>
            {diff && (
              <figure>
                <Heatmap values={diff} width={28} height={28} lo={-1} hi={1} cmap="rdbu" zoom={4} label={`${label} difference: reconstruction minus input`} />
                <figcaption>
                  difference <Legend cmap="rdbu" lo={-1} hi={1} label="difference" />
                </figcaption>
              </figure>
            )}
            <dl className="errors" data-testid={`compare-errors-${side}`}>
              <Metric label="MSE" title="Mean squared error on this input (lower is better)" value={num(result.mse)} rank={rank((r) => r.mse, false)} side={side} testId={`compare-mse-${side}`} />
              <Metric label="PSNR" title="On this input, dB (higher is better)" value={`${num(result.psnr)} dB`} rank={rank((r) => r.psnr, true)} side={side} testId={`compare-psnr-${side}`} />
              <Metric label="SSIM" title="Structural similarity on this input (1 = identical)" value={num(result.ssim)} rank={rank((r) => r.ssim, true)} side={side} testId={`compare-ssim-${side}`} />
            </dl>
          </div>
          <h3>
            Code <span className="muted">({result.latent.length} numbers{result.sigma ? ", mean ± sigma" : ""})</span>
          </h3>
          <LatentStrip latent={result.latent} sigma={result.sigma} testId={`compare-latent-${side}`} />
          <h3>Layers</h3>
          <ActivationRows layers={layers} ranges={ranges} testId={`compare-layers-${side}`} cellPx={14} />
        </div>
      )}
    </section>
  );
}

export function CompareView() {
  const c = useController();
  const modelId = useLab((s) => s.modelId);
  const compareId = useLab((s) => s.compareId);
  const result = useLab((s) => s.result);
  const compareResult = useLab((s) => s.compareResult);
  const socket = useLab((s) => s.compareSocket);
  const error = useLab((s) => s.compareError);
  const models = useLab((s) => s.models);
  const input = useLab((s) => s.input);
  const corruption = useLab((s) => s.corruption);

  // Opened: the second model gets the current input. Closed after a drawing here: the Explore
  // canvas repaints from the input, so the two canvases agree.
  const start = useRef(input);
  useEffect(() => {
    c.enterCompare();
    return () => {
      if (start.current !== useLab.getState().input) setLab((s) => ({ canvasVersion: s.canvasVersion + 1 }));
    };
  }, [c]);

  if (models.length < 2) {
    return <p className="empty">Compare needs two models: train one in Build &amp; Train, or upload one.</p>;
  }
  return (
    <div className="compare" data-testid="compare-view">
      <div className="explore-bar">
        <p className="hint" role="status">
          One input, two models: draw or pick an image; both encode and rebuild the same one.
          {corruption && (
            <span className="muted" data-testid="compare-noise">
              {" "}
              Both see it with the same {corruption.kind} noise ({corruption.kind === "gaussian" ? `σ ${num(corruption.level, 2)}` : `${Math.round(corruption.level * 100)}% masked`}); errors are against the clean image.
            </span>
          )}
        </p>
      </div>
      <div className="compare-grid">
        <InputPanel id="compare-input" />
        <Column side="a" modelId={modelId} result={result} other={compareResult} onPick={(id) => void c.selectModel(id)} status={null} />
        <Column
          side="b"
          modelId={compareId}
          result={compareResult}
          other={result}
          onPick={(id) => c.selectCompare(id)}
          status={error ?? (socket !== "open" && compareId ? "Connecting…" : null)}
        />
      </div>
    </div>
  );
}
