// A VAE's prior: codes drawn from N(0, 1) and decoded, images the model makes up from nothing.
// Only a VAE is trained to make every such code decode to something plausible.
import { useState } from "react";
import { useSessions } from "../state/context";
import { selectModelId, useModel } from "../state/slices/model";
import { ImageRow } from "./ImageRow";
import { Panel } from "./Panel";
import { useLatest } from "./useLatest";

const COUNT = 16;

export function PriorSamples() {
  const { explore } = useSessions();
  const modelId = useModel(selectModelId);
  const [seed, setSeed] = useState(0);
  const req = useLatest((signal) => explore.priorSamples(COUNT, seed, signal), [modelId, seed], !!modelId, 0);
  const batch = req.data;
  return (
    <Panel
      id="prior"
      title="Sample from the prior"
      className="walk"
      explain="New images from nothing: random codes drawn from N(0, 1), decoded."
      actions={
        <button type="button" className="small" onClick={() => setSeed((s) => s + 1)} data-testid="prior-button">
          Draw {COUNT} more
        </button>
      }
    >
      {req.error && <p className="error-text">Could not sample: {req.error}</p>}
      {batch && (
        <div className={`prior-grid ${req.loading ? "stale" : ""}`} data-testid="prior-grid" data-count={batch.images.length} data-seed={seed}>
          <ImageRow images={batch.images} width={batch.width} height={batch.height} zoom={1.5} label={(i) => `sample ${i + 1} (seed ${seed})`} />
        </div>
      )}
    </Panel>
  );
}
