// The latent map: every test image's code on the PCA plane the service fitted, coloured by class,
// with the current input (drawing or sliders) placed by the browser itself as a ring.
import { useEffect, useMemo, useRef, useState } from "react";
import { schemeTableau10 } from "d3-scale-chromatic";
import { useController } from "../state/context";
import { useLab } from "../state/store";
import { fitScale, nearestPoint, projectLatent, toCanvas } from "../lib/viz/projection";
import { Panel } from "./Panel";

const SIZE = 360;
const BACKGROUND = "#ffffff";
const classColour = (label: number) => schemeTableau10[label % schemeTableau10.length]!;

export function LatentMap() {
  const c = useController();
  const projection = useLab((s) => s.projection);
  const status = useLab((s) => s.projectionStatus);
  const error = useLab((s) => s.projectionError);
  const latent = useLab((s) => s.latent ?? s.result?.latent ?? null);
  const dataset = useLab((s) => s.model?.dataset ?? s.models.find((m) => m.id === s.modelId)?.dataset ?? "mnist");
  const datasets = useLab((s) => s.datasets);
  const classes = datasets.find((d) => d.name === dataset)?.classes ?? [];
  const className = (l: number) => classes.find((k) => k.index === l)?.name ?? String(l);

  const pointsRef = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ index: number; x: number; y: number } | null>(null);
  const frame = useRef<number | null>(null);

  const scale = useMemo(() => (projection ? fitScale(projection.points, SIZE, SIZE, 8) : null), [projection]);

  // The 10,000 points, drawn once per map.
  useEffect(() => {
    const canvas = pointsRef.current;
    if (!canvas || !projection || !scale) return;
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, SIZE, SIZE);
    // In test-set order (shuffled classes), so no class is always painted over the others.
    let last = -1;
    projection.points.forEach((p, i) => {
      const label = projection.labels[i]!;
      if (label !== last) {
        ctx.fillStyle = classColour(label);
        last = label;
      }
      const [x, y] = toCanvas(scale, p[0]!, p[1]!);
      ctx.fillRect(Math.round(x) - 1, Math.round(y) - 1, 2, 2);
    });
  }, [projection, scale]);

  // Where the current input lands: microseconds, so it follows every drawing and slider move.
  const ring = useMemo(() => {
    if (!projection || !scale || !latent || latent.length !== projection.mean.length) return null;
    const [px, py] = projectLatent(latent, projection.mean, projection.components);
    const [x, y] = toCanvas(scale, px, py);
    const clamp = (v: number) => Math.min(SIZE - 4, Math.max(4, v));
    return { x: clamp(x), y: clamp(y), outside: x !== clamp(x) || y !== clamp(y) };
  }, [projection, scale, latent]);

  useEffect(() => () => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
  }, []);

  const pixelAt = (e: React.MouseEvent<HTMLElement>) => {
    const r = pointsRef.current!.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SIZE, ((e.clientY - r.top) / r.height) * SIZE] as const;
  };

  const onMove = (e: React.MouseEvent<HTMLElement>) => {
    if (!projection || !scale) return;
    const [cx, cy] = pixelAt(e);
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const hit = nearestPoint(scale, projection.points, cx, cy, 12);
      if (hit.index < 0) setHover(null);
      else {
        const p = projection.points[hit.index]!;
        const [x, y] = toCanvas(scale, p[0]!, p[1]!);
        setHover({ index: hit.index, x, y });
      }
    });
  };

  const onClick = (e: React.MouseEvent<HTMLElement>) => {
    if (!projection || !scale) return;
    const [cx, cy] = pixelAt(e);
    const hit = nearestPoint(scale, projection.points, cx, cy, 12);
    if (hit.index >= 0) void c.exploreTestImage(dataset, hit.index);
  };

  const ev = projection?.explained_variance ?? [];
  const pct = (k: number) => (ev[k] !== undefined ? ` (${(ev[k]! * 100).toFixed(0)}% of variance)` : "");
  const labelsPresent = useMemo(() => (projection ? [...new Set(projection.labels)].sort((a, b) => a - b) : []), [projection]);

  return (
    <Panel
      id="latent-map"
      title="Latent map (PCA)"
      className="latent-map"
      explain="Every test image's code, flattened to 2-D; your drawing is the ringed point. Hover a point for its class, click it to explore that image."
    >
      {status === "error" ? (
        <p className="warn" role="alert" data-testid="latent-map-error">
          Could not compute the latent map: {error}
        </p>
      ) : !projection ? (
        <p className="empty" data-testid="latent-map-loading">
          {status === "loading" ? "Computing the latent map of the test set…" : "The map appears after the first explore."}
        </p>
      ) : (
        <div className="map-body">
          <div className="map-plot">
            <span className="map-axis map-axis-y">PC2{pct(1)}</span>
            <div
              className="map-canvas-wrap"
              onMouseMove={onMove}
              onMouseLeave={() => setHover(null)}
              onClick={onClick}
            >
              <canvas
                ref={pointsRef}
                width={SIZE}
                height={SIZE}
                data-testid="latent-map-canvas"
                data-count={projection.count}
                role="img"
                aria-label={`${projection.count} test images on the first two principal components, coloured by class`}
              />
              {ring && (
                <span
                  className={ring.outside ? "map-ring outside" : "map-ring"}
                  data-testid="latent-map-ring"
                  data-x={ring.x.toFixed(2)}
                  data-y={ring.y.toFixed(2)}
                  style={{ left: ring.x, top: ring.y }}
                  title="your input"
                />
              )}
              {hover && (
                <>
                  <span className="map-hover-dot" style={{ left: hover.x, top: hover.y }} />
                  <span
                    className="map-tip"
                    data-testid="latent-map-tip"
                    style={{ left: Math.min(hover.x + 8, SIZE - 120), top: Math.max(hover.y - 26, 0) }}
                  >
                    “{className(projection.labels[hover.index]!)}” · test #{hover.index}
                  </span>
                </>
              )}
            </div>
            <span className="map-axis map-axis-x">PC1{pct(0)}</span>
          </div>
          <ul className="map-legend" aria-label="Classes" data-testid="latent-map-legend">
            {labelsPresent.map((l) => (
              <li key={l}>
                <span className="swatch" style={{ background: classColour(l) }} />
                {className(l)}
              </li>
            ))}
            <li>
              <span className="swatch ring" />
              your input
            </li>
          </ul>
        </div>
      )}
    </Panel>
  );
}
