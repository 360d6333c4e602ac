// A latent at a glance: one vertical bar per dimension around a zero line (blue up, red down), and
// for a VAE the ± sigma whisker. Read-only; the Explore view's sliders are where codes are edited.
import { stripScale } from "../lib/compare";
import { num } from "../lib/format";

export function LatentStrip(props: { latent: number[]; sigma: number[] | null; height?: number; testId?: string }) {
  const h = props.height ?? 56;
  const scale = stripScale(props.latent, props.sigma);
  const y = (v: number) => h / 2 - (v / scale) * (h / 2 - 1);
  return (
    <ol className="latent-strip" style={{ height: h }} data-testid={props.testId} aria-label={`latent code: ${props.latent.length} numbers`}>
      {props.latent.map((z, i) => {
        const s = props.sigma?.[i];
        const top = Math.min(y(z), h / 2);
        return (
          <li key={i} title={`z${i} = ${num(z)}${s !== undefined ? ` ± ${num(s)}` : ""}`} data-value={z}>
            <span className={`strip-bar ${z < 0 ? "neg" : "pos"}`} style={{ top, height: Math.max(1, Math.abs(y(z) - h / 2)) }} />
            {s !== undefined && <span className="strip-sigma" style={{ top: y(z + s), height: y(z - s) - y(z + s) }} />}
          </li>
        );
      })}
    </ol>
  );
}
