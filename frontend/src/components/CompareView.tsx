// Compare: one input, two models side by side. Each model column reads top to bottom as the
// data flows (reconstruction and its error, the code, then every layer), so the eye can go across
// between the two at every stage. The second model has its own explore socket.
import { useEffect, useMemo } from "react";
import { IMAGE_SIDE } from "../api/generated/spec";
import type { ModelSummary } from "../api/types";
import { useSessions } from "../state/context";
import { better, sameCorruption, sameImage } from "../lib/compare";
import { selectModels, useCatalog } from "../state/slices/catalog";
import { selectCompareError, selectCompareId, selectCompareResult, selectCompareSocket, useCompare } from "../state/slices/compare";
import { selectCorruption, selectInput, selectResult, useExplore, type ExploreView } from "../state/slices/explore";
import { selectModelId, useModel } from "../state/slices/model";
import { selectNorm, usePage } from "../state/slices/page";
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
  const models = useCatalog(selectModels);
  const input = useExplore(selectInput);
  const noise = useExplore(selectCorruption);
  const norm = usePage(selectNorm);
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
              <Heatmap values={result.reconstruction} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={0} hi={1} cmap="ink" zoom={4} label={`${label} reconstruction`} testId={`compare-recon-${side}`} />
              <figcaption>reconstruction</figcaption>
            </figure>
            {diff && (
              <figure>
                <Heatmap values={diff} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={-1} hi={1} cmap="rdbu" zoom={4} label={`${label} difference: reconstruction minus input`} />
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
  const { compare, explore } = useSessions();
  const modelId = useModel(selectModelId);
  const compareId = useCompare(selectCompareId);
  const result = useExplore(selectResult);
  const compareResult = useCompare(selectCompareResult);
  const socket = useCompare(selectCompareSocket);
  const error = useCompare(selectCompareError);
  const models = useCatalog(selectModels);
  const corruption = useExplore(selectCorruption);

  // Opened: the second model gets the current input. Closed after a drawing here: the Explore
  // canvas repaints from the input, so the two canvases agree.
  useEffect(() => {
    compare.enter();
    return () => compare.leave();
  }, [compare]);

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
        <Column side="a" modelId={modelId} result={result} other={compareResult} onPick={(id) => void explore.selectModel(id)} status={null} />
        <Column
          side="b"
          modelId={compareId}
          result={compareResult}
          other={result}
          onPick={(id) => compare.select(id)}
          status={error ?? (socket !== "open" && compareId ? "Connecting…" : null)}
        />
      </div>
    </div>
  );
}
