// Below the main row, beside the latent map: ways to walk the latent space.
import { useVariant } from "../state/slices/model";
import { Interpolate } from "./Interpolate";
import { PriorSamples } from "./PriorSamples";
import { Traverse } from "./Traverse";

export function Walks() {
  const vae = useVariant() === "vae";
  return (
    <div className="walks" data-testid="walks">
      <Interpolate />
      <Traverse />
      {vae && <PriorSamples />}
    </div>
  );
}
