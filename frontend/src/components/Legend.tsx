// A small colour bar with its range, so every heatmap's colours can be read as numbers.
import { cssGradient, type ColormapName } from "../lib/viz/colormap";
import { num } from "../lib/format";

export function Legend({ cmap, lo, hi, label }: { cmap: ColormapName; lo: number; hi: number; label?: string }) {
  return (
    <span className="legend" aria-label={`${label ?? "colour scale"}: ${num(lo)} to ${num(hi)}`}>
      <span className="legend-lo">{num(lo)}</span>
      <span className="legend-bar" style={{ background: cssGradient(cmap) }} />
      <span className="legend-hi">{num(hi)}</span>
    </span>
  );
}
