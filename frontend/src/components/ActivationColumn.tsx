// One row per layer: every channel as a heatmap, all channels of a layer painted into one canvas
// (an atlas at native size, scaled by CSS), sized so the column fits the window.
import { memo, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { LayerTensor } from "../state/job";
import type { Range } from "../lib/viz/normalize";
import { channelView } from "../lib/viz/tensor8";
import { atlasColumns, fitCell } from "../lib/viz/layout";
import { atlasRgba, channelAt, type AtlasGrid } from "../lib/viz/atlas";
import { lut } from "../lib/viz/colormap";
import { paintRgba } from "../lib/viz/paint";
import { num, shape } from "../lib/format";
import { Heatmap } from "./Heatmap";

// Cells are multiples of 7 px, so 7x7 maps scale by whole pixels and 14x14 and 28x28 mostly do.
const MAX_CELL = 56;
const MIN_CELL = 14;
const LABEL_PX = 21; // a layer's title line plus the gap to the next layer

interface Hover {
  layer: LayerTensor;
  ch: number;
  range: Range;
  x: number;
  y: number;
}

const sideOf = (l: LayerTensor) => Math.max(l.tensor.width, l.tensor.height);
const isVector = (l: LayerTensor) => l.tensor.height === 1;

/** The width of the column and the cell size that fits its layers above the window's bottom. */
function useFit(layers: LayerTensor[], fixed: number | undefined) {
  const ref = useRef<HTMLDivElement>(null);
  const [fit, setFit] = useState({ cell: fixed ?? 28, width: 280 });
  const key = layers.map((l) => `${l.tensor.channels}x${sideOf(l)}`).join(",");
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const r = el.getBoundingClientRect();
      if (r.width === 0) return; // hidden (another tab): keep the last fit
      const grids = layers.filter((l) => !isVector(l)).map((l) => ({ channels: l.tensor.channels, side: sideOf(l) }));
      const height = Math.max(240, window.innerHeight - r.top - 16);
      const cell = fixed ?? fitCell({ layers: grids, width: r.width, height, labelPx: LABEL_PX, minCell: MIN_CELL, maxCell: MAX_CELL, step: 7 });
      setFit((f) => (f.cell === cell && f.width === r.width ? f : { cell, width: r.width }));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    window.addEventListener("resize", measure);
    return () => {
      ro.disconnect();
      window.removeEventListener("resize", measure);
    };
    // Re-measured when the layers' shapes change (`key`), not on every new result.
  }, [key, fixed]);
  return { ref, ...fit };
}

const LayerAtlas = memo(function LayerAtlas(props: {
  layer: LayerTensor;
  ranges: Range[];
  cell: number;
  width: number;
  onHover: (h: Hover | null) => void;
}) {
  const { layer, ranges, cell, width } = props;
  const t = layer.tensor;
  const side = sideOf(layer);
  const zoom = cell / side;
  const cols = atlasColumns(width, cell, side);
  const ref = useRef<HTMLCanvasElement>(null);
  const grid = useRef<AtlasGrid | null>(null);
  const pixels = useRef<ReturnType<typeof atlasRgba> | undefined>(undefined);
  const [size, setSize] = useState({ w: 1, h: 1 });

  useEffect(() => {
    const canvas = ref.current;
    // Painted over the last frame's buffer: the canvas copies the pixels when painted.
    const img = (pixels.current = atlasRgba(t, ranges, lut("viridis"), cols, 1, pixels.current));
    grid.current = img.grid;
    if (!canvas) return;
    if (canvas.width !== img.width || canvas.height !== img.height) {
      canvas.width = img.width;
      canvas.height = img.height;
      setSize({ w: img.width, h: img.height });
    }
    paintRgba(canvas, img);
    canvas.dataset.paints = String(Number(canvas.dataset.paints ?? 0) + 1);
    canvas.dataset.cols = String(img.grid.cols);
  }, [t, ranges, cols]);

  const hoverAt = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const g = grid.current;
    if (!g) return;
    const r = e.currentTarget.getBoundingClientRect();
    const x = ((e.clientX - r.left) / r.width) * g.width;
    const y = ((e.clientY - r.top) / r.height) * g.height;
    const ch = channelAt(g, t.channels, x, y, t.width, t.height);
    if (ch === null) return props.onHover(null);
    const cellRight = r.left + ((ch % g.cols) * g.pitchX + t.width) * zoom;
    const cellTop = r.top + Math.floor(ch / g.cols) * g.pitchY * zoom;
    props.onHover({ layer, ch, range: ranges[ch] ?? [0, 0], x: cellRight, y: cellTop });
  };

  return (
    <canvas
      ref={ref}
      className={`heatmap atlas ${zoom < 1 ? "smooth" : ""}`}
      style={{ width: size.w * zoom, height: size.h * zoom }}
      role="img"
      aria-label={`${layer.name}: ${t.channels} channel heatmaps of ${t.height}×${t.width}`}
      data-channels={t.channels}
      data-w={t.width}
      data-h={t.height}
      onPointerMove={hoverAt}
      onPointerLeave={() => props.onHover(null)}
    />
  );
});

export const ActivationRows = memo(function ActivationRows(props: { layers: LayerTensor[]; ranges: Range[][]; testId: string; cellPx?: number }) {
  const [hover, setHover] = useState<Hover | null>(null);
  const { ref, cell, width } = useFit(props.layers, props.cellPx);
  return (
    <div className="layers" data-testid={props.testId} ref={ref} data-cell={cell}>
      {props.layers.map((layer, li) => {
        const t = layer.tensor;
        const ranges = props.ranges[li] ?? [];
        const lo = Math.min(...ranges.map((r) => r[0]));
        const hi = Math.max(...ranges.map((r) => r[1]));
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
            {isVector(layer) ? (
              // A vector (dense layer) travels as [1, 1, D]: one strip, not D one-pixel maps.
              <Heatmap
                values={t.data}
                width={t.width * t.channels}
                height={1}
                lo={lo}
                hi={hi}
                cmap="viridis"
                zoom={Math.max(2, Math.min(16, Math.floor(width / (t.width * t.channels))))}
                label={`${layer.name}: ${t.width * t.channels} values`}
              />
            ) : (
              <LayerAtlas layer={layer} ranges={ranges} cell={cell} width={width} onHover={setHover} />
            )}
          </div>
        );
      })}
      {hover && <HoverCard {...hover} />}
    </div>
  );
});

function HoverCard({ layer, ch, range, x, y }: Hover) {
  const t = layer.tensor;
  const size = 168;
  const plane = channelView(t, ch);
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of plane) {
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  const left = Math.min(window.innerWidth - size - 24, x + 8);
  const top = Math.min(window.innerHeight - size - 60, Math.max(8, y - size / 2));
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
