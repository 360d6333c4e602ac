// One array painted as ImageData at its native size; CSS scales it up with pixelated rendering.
import { memo, useEffect, useRef } from "react";
import { lut, type ColormapName } from "../lib/viz/colormap";
import { toRgba } from "../lib/viz/imagedata";
import { paintRgba } from "../lib/viz/paint";

export interface HeatmapProps {
  values: ArrayLike<number>;
  width: number;
  height: number;
  lo: number;
  hi: number;
  cmap: ColormapName;
  /** Displayed size of one data pixel, in CSS pixels. */
  zoom: number;
  offset?: number;
  label?: string;
  className?: string;
  testId?: string;
  onPointerEnter?: (el: HTMLCanvasElement) => void;
  onPointerLeave?: () => void;
}

export const Heatmap = memo(function Heatmap(p: HeatmapProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    paintRgba(canvas, toRgba(p.values, p.width, p.height, p.lo, p.hi, lut(p.cmap), p.offset ?? 0));
    // For tests and the browser benchmark: how often, and when last, this canvas was painted.
    canvas.dataset.paints = String(Number(canvas.dataset.paints ?? 0) + 1);
    canvas.dataset.paintedAt = performance.now().toFixed(1);
  }, [p.values, p.width, p.height, p.lo, p.hi, p.cmap, p.offset]);
  return (
    <canvas
      ref={ref}
      width={p.width}
      height={p.height}
      className={`heatmap ${p.className ?? ""}`}
      style={{ width: p.width * p.zoom, height: p.height * p.zoom }}
      role={p.label ? "img" : undefined}
      aria-label={p.label}
      data-testid={p.testId}
      onPointerEnter={p.onPointerEnter ? (e) => p.onPointerEnter!(e.currentTarget) : undefined}
      onPointerLeave={p.onPointerLeave}
    />
  );
});
