// One row per layer, every channel a small heatmap (28 CSS px whatever its native size).
import { memo, useLayoutEffect, useRef, useState } from "react";
import type { LayerTensor } from "../state/job";
import type { Range } from "../lib/viz/normalize";
import { channelView } from "../lib/viz/tensor8";
import { num, shape } from "../lib/format";
import { fitCell } from "../lib/viz/layout";
import { Heatmap } from "./Heatmap";

// Cells are multiples of 7 px, so 7x7 maps scale by whole pixels and 14x14 and 28x28 mostly do.
const MAX_CELL = 56;
const MIN_CELL = 14;
const LABEL_PX = 21; // a layer's title line plus the gap to the next layer

/** The cell size that fits the layers between here and the bottom of the window. */
function useFittedCell(channels: number[], fixed: number | undefined) {
  const ref = useRef<HTMLDivElement>(null);
  const [cell, setCell] = useState(fixed ?? MAX_CELL);
  const key = channels.join(",");
  useLayoutEffect(() => {
    if (fixed !== undefined) return;
    const el = ref.current;
    if (!el) return;
    const fit = () => {
      const r = el.getBoundingClientRect();
      const height = Math.max(240, window.innerHeight - r.top - 16);
      setCell(fitCell({ channels, width: r.width, height, labelPx: LABEL_PX, gapPx: 1, minCell: MIN_CELL, maxCell: MAX_CELL, step: 7 }));
    };
    fit();
    const ro = new ResizeObserver(fit);
    ro.observe(el);
    window.addEventListener("resize", fit);
    return () => {
      ro.disconnect();
      window.removeEventListener("resize", fit);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, fixed]);
  return { ref, cell };
}

interface Hover {
  layer: LayerTensor;
  ch: number;
  range: Range;
  rect: DOMRect;
}

export const ActivationRows = memo(function ActivationRows(props: {
  layers: LayerTensor[];
  ranges: Range[][];
  testId: string;
  cellPx?: number;
}) {
  const [hover, setHover] = useState<Hover | null>(null);
  const { ref, cell } = useFittedCell(
    props.layers.map((l) => (l.tensor.height === 1 ? 1 : l.tensor.channels)),
    props.cellPx,
  );
  return (
    <div className="layers" data-testid={props.testId} ref={ref} data-cell={cell}>
      {props.layers.map((layer, li) => {
        const t = layer.tensor;
        const ranges = props.ranges[li] ?? [];
        const lo = Math.min(...ranges.map((r) => r[0]));
        const hi = Math.max(...ranges.map((r) => r[1]));
        // A vector (dense layer) travels as [1, 1, D]: draw it as one strip, not D one-pixel maps.
        const isVector = t.height === 1;
        return (
          <div className="layer" key={layer.name} data-layer={layer.name} data-channels={t.channels}>
            <div className="layer-head">
              <span className="layer-name">{layer.name}</span>
              <span className="layer-shape">
                {layer.kind} · {shape([t.height, t.width, t.channels])}
              </span>
              <span className="layer-range" title="value range of this layer">
                {num(lo)} … {num(hi)}
              </span>
            </div>
            {isVector ? (
              <Heatmap
                values={t.data}
                width={t.width * t.channels}
                height={1}
                lo={lo}
                hi={hi}
                cmap="viridis"
                zoom={Math.max(2, Math.min(cell, Math.floor(300 / (t.width * t.channels))))}
                label={`${layer.name}: ${t.width * t.channels} values`}
              />
            ) : (
              <div className="channels">
                {Array.from({ length: t.channels }, (_, ch) => {
                  const r = ranges[ch] ?? [0, 0];
                  return (
                    <Heatmap
                      key={ch}
                      values={channelView(t, ch)}
                      width={t.width}
                      height={t.height}
                      lo={r[0]}
                      hi={r[1]}
                      cmap="viridis"
                      zoom={cell / Math.max(t.width, t.height)}
                      className={cell < Math.max(t.width, t.height) ? "smooth" : undefined}
                      onPointerEnter={(el) => setHover({ layer, ch, range: r, rect: el.getBoundingClientRect() })}
                      onPointerLeave={() => setHover(null)}
                    />
                  );
                })}
              </div>
            )}
          </div>
        );
      })}
      {hover && <HoverCard {...hover} />}
    </div>
  );
});

function HoverCard({ layer, ch, range, rect }: Hover) {
  const t = layer.tensor;
  const size = 168;
  const plane = channelView(t, ch);
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of plane) {
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  const left = Math.min(window.innerWidth - size - 24, rect.right + 8);
  const top = Math.min(window.innerHeight - size - 60, Math.max(8, rect.top - size / 2));
  return (
    <div className="hovercard" style={{ left, top }} role="tooltip">
      <Heatmap values={plane} width={t.width} height={t.height} lo={range[0]} hi={range[1]} cmap="viridis" zoom={size / Math.max(t.width, t.height)} />
      <div>
        {layer.name} · channel {ch}
      </div>
      <div className="muted">
        values {num(mn)} … {num(mx)}
      </div>
    </div>
  );
}
