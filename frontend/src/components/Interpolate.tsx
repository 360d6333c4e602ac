// Interpolation: from A's code to B's in N steps, each step decoded. A straight line, or the great
// circle (a VAE's codes live near a sphere, so the middle of a straight line is atypical).
import { useState } from "react";
import { IMAGE_SIDE } from "../api/generated/spec";
import { useSessions } from "../state/context";
import { selectHasInput, selectWalkA, selectWalkB, useExplore, type Endpoint } from "../state/slices/explore";
import { selectModelId, useModel, useVariant } from "../state/slices/model";
import { Heatmap } from "./Heatmap";
import { InlineNumberSelect } from "./fields";
import { ImageRow } from "./ImageRow";
import { Panel } from "./Panel";
import { useLatest } from "./useLatest";

const STEPS = [3, 5, 8, 10, 12, 16];

function End({ which, end }: { which: "a" | "b"; end: Endpoint | null }) {
  const { explore } = useSessions();
  const hasInput = useExplore(selectHasInput);
  const name = which.toUpperCase();
  return (
    <div className="walk-end" data-testid={`walk-end-${which}`}>
      <strong>{name}</strong>
      {end ? (
        <Heatmap values={end.image} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={0} hi={1} cmap="ink" zoom={1.5} label={`${name}: ${end.label}`} testId={`walk-thumb-${which}`} />
      ) : (
        <span className="preview-empty" style={{ width: 42, height: 42 }} />
      )}
      <span className="walk-end-text">
        <span className="muted">{end?.label ?? "not set"}</span>
        <button type="button" className="small" disabled={!hasInput} onClick={() => explore.setWalkEnd(which)} data-testid={`use-as-${which}`}>
          Use the input as {name}
        </button>
      </span>
    </div>
  );
}

export function Interpolate() {
  const { explore } = useSessions();
  const a = useExplore(selectWalkA);
  const b = useExplore(selectWalkB);
  const modelId = useModel(selectModelId);
  const vae = useVariant() === "vae";
  const [steps, setSteps] = useState(8);
  const [choice, setChoice] = useState<"auto" | "linear" | "spherical">("auto");
  const path = choice === "auto" ? (vae ? "spherical" : "linear") : choice;
  const req = useLatest((signal) => explore.interpolate({ a: a!.image, b: b!.image }, steps, path, signal), [modelId, a, b, steps, path], !!(modelId && a && b));
  const strip = req.data;
  return (
    <Panel id="interpolate" title="Interpolate" className="walk" explain="Walk from A's code to B's: every image is one step of the way, decoded.">
      <div className="walk-ends">
        <End which="a" end={a} />
        <End which="b" end={b} />
      </div>
      <div className="walk-controls">
        <InlineNumberSelect label="Steps" value={steps} options={STEPS} onChange={setSteps} testId="interp-steps" />
        <label className="field inline">
          <span>Path</span>
          <select value={choice} onChange={(e) => setChoice(e.target.value as typeof choice)} data-testid="interp-path">
            <option value="auto">{vae ? "spherical (VAE default)" : "linear (default)"}</option>
            <option value="linear">linear</option>
            <option value="spherical">spherical</option>
          </select>
        </label>
        {req.loading && <span className="muted">decoding…</span>}
      </div>
      {req.error && <p className="error-text">Could not interpolate: {req.error}</p>}
      {!a || !b ? (
        <p className="empty">Set A and B: pick or draw an input, then “Use the input as …”.</p>
      ) : (
        strip && (
          <div className={`walk-strip ${req.loading ? "stale" : ""}`} data-testid="interp-strip" data-count={strip.images.length} data-path={strip.path}>
            <ImageRow images={strip.images} width={strip.width} height={strip.height} zoom={1.5} label={(i) => `step ${i + 1} of ${strip.images.length}`} testId={(i) => `interp-image-${i}`} />
          </div>
        )
      )}
    </Panel>
  );
}
