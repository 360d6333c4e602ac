// Below the main row, beside the latent map: ways to walk the latent space.
import { useLab } from "../state/store";
import { Interpolate } from "./Interpolate";
import { PriorSamples } from "./PriorSamples";
import { Traverse } from "./Traverse";

export function Walks() {
  const vae = useLab((s) => s.models.find((m) => m.id === s.modelId)?.spec.variant === "vae");
  return (
    <div className="walks" data-testid="walks">
      <Interpolate />
      <Traverse />
      {vae && <PriorSamples />}
    </div>
  );
}
