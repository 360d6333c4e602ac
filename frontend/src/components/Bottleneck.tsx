// The latent: one bar with its number per dimension, and a slider over the model's typical range
// (1st to 99th percentile on the test set). Moving a slider decodes the new latent.
import { memo } from "react";
import { useSessions } from "../state/context";
import { selectLatent, selectResultLatent, selectSigma, selectSlidersMoved, useExplore } from "../state/slices/explore";
import { selectLatentStats, useModel } from "../state/slices/model";
import { num } from "../lib/format";
import { Panel } from "./Panel";
import type { Percentiles } from "../api/types";

function rangeFor(stats: Percentiles | undefined, v: number): [number, number] {
  if (stats && stats.p99 > stats.p1) return [stats.p1, stats.p99];
  const m = Math.max(1, Math.abs(v) * 2);
  return [-m, m];
}

interface LatentRowProps {
  dim: number;
  value: number;
  lo: number;
  hi: number;
  /** The drawing's own value (the encoder's mean), where the sliders may have moved away from it. */
  drawing: number | undefined;
  sigma: number | undefined;
  moved: boolean;
  onMove: (dim: number, value: number) => void;
}

/** One dimension; memoised so that a drag re-renders only the row it moves. */
const LatentRow = memo(function LatentRow({ dim: i, value: v, lo, hi, drawing: orig, sigma: sd, moved, onMove }: LatentRowProps) {
  const pos = (x: number) => Math.min(100, Math.max(0, ((x - lo) / (hi - lo)) * 100));
  const zero = pos(0);
  const at = pos(v);
  return (
    <li className="latent" data-dim={i} data-value={v} data-sigma={sd} title={sd !== undefined && orig !== undefined ? `z${i}: mean ${num(orig)} ± sigma ${num(sd)}` : undefined}>
      <span className="latent-label">z{i}</span>
      <span className="latent-track">
        <span className="latent-zero" style={{ left: `${zero}%` }} />
        <span className={`latent-bar ${v < 0 ? "neg" : "pos"}`} style={{ left: `${Math.min(zero, at)}%`, width: `${Math.abs(at - zero)}%` }} />
        {sd !== undefined && orig !== undefined && (
          <span className="latent-sigma" data-testid={`latent-sigma-${i}`} style={{ left: `${pos(orig - sd)}%`, width: `${pos(orig + sd) - pos(orig - sd)}%` }} />
        )}
        {moved && orig !== undefined && <span className="latent-orig" style={{ left: `${pos(orig)}%` }} title={`drawing: ${num(orig)}`} />}
        <input
          type="range"
          min={lo}
          max={hi}
          step={(hi - lo) / 200}
          value={Math.min(hi, Math.max(lo, v))}
          aria-label={`latent dimension ${i}`}
          aria-valuetext={`z${i} = ${num(v)}`}
          onChange={(e) => onMove(i, Number(e.target.value))}
          data-testid={`latent-slider-${i}`}
        />
      </span>
      <output className="latent-value">{num(v, 2)}</output>
    </li>
  );
});

export function Bottleneck() {
  const { explore } = useSessions();
  const latent = useExplore(selectLatent);
  const drawing = useExplore(selectResultLatent);
  const moved = useExplore(selectSlidersMoved);
  const stats = useModel(selectLatentStats);
  // A VAE encodes a distribution: its mean is the bar, its standard deviation the whisker.
  const sigma = useExplore(selectSigma);
  const dims = latent?.length ?? 0;
  return (
    <Panel
      id="bottleneck"
      title={`Bottleneck${dims ? ` (${dims})` : ""}`}
      className="col-bottleneck"
      explain={
        sigma
          ? "The image as a few numbers, each a mean ± sigma (the whisker): how sure the encoder is. Drag a slider, or use the arrow keys."
          : "The whole image as a few numbers. Drag a slider, or use the arrow keys."
      }
    >
      {!latent && <p className="empty">Draw a digit to see its code.</p>}
      <ol className="latents" data-testid="latent-bars">
        {latent?.map((v, i) => {
          const [lo, hi] = rangeFor(stats?.dims[i], v);
          return <LatentRow key={i} dim={i} value={v} lo={lo} hi={hi} drawing={drawing?.[i]} sigma={sigma?.[i]} moved={moved} onMove={explore.moveLatent} />;
        })}
      </ol>
      {latent && (
        <button type="button" className="small reset" onClick={() => explore.resetLatent()} disabled={!moved} data-testid="reset-latent">
          Reset to the drawing
        </button>
      )}
    </Panel>
  );
}
