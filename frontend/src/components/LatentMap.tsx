// The latent map: every test image's code on a 2-D map, coloured by class, with the current input
// (drawing or sliders) as a ring. Tabs pick the map: PCA (placed in the browser from the map's mean and
// components), t-SNE and UMAP (computed on the server the first time, with a progress bar; the input is
// placed by the server in each explore/decode answer), and the latent plane of a 2-D model. Hover a
// point for its class and image, click it to explore that test image.
import { useEffect, useMemo, useRef, useState } from "react";
import { schemeTableau10 } from "d3-scale-chromatic";
import { api } from "../api/client";
import type { MapMethod } from "../api/types";
import { useController } from "../state/context";
import { useLab } from "../state/store";
import { fitScale, nearestPoint, toCanvas } from "../lib/viz/projection";
import { axisNames, inputPoint, mapTab, mapTabs, progressText } from "../lib/viz/mapview";
import { PLANE_GRID_STEPS, type Tile, planeSweep, planeTiles } from "../lib/viz/planegrid";
import { Heatmap } from "./Heatmap";
import { Panel } from "./Panel";
import { useLatest } from "./useLatest";

const SIZE = 360;
const BACKGROUND = "#ffffff";
const classColour = (label: number) => schemeTableau10[label % schemeTableau10.length]!;

/** A test image fetched on hover, kept per (dataset, index) while the map is shown. */
function useTestImage(dataset: string, index: number | null): number[] | null {
  const cache = useRef(new Map<string, number[]>());
  const [, setVersion] = useState(0);
  const key = index === null ? null : `${dataset}/${index}`;
  useEffect(() => {
    if (index === null || key === null || cache.current.has(key)) return;
    let live = true;
    api
      .samples(dataset, { split: "test", offset: index, limit: 1 })
      .then((page) => {
        const item = page.items[0];
        if (item) cache.current.set(key, item.image);
        if (live) setVersion((v) => v + 1);
      })
      .catch(() => undefined); // the class name still shows
    return () => {
      live = false;
    };
  }, [dataset, index, key]);
  return key === null ? null : (cache.current.get(key) ?? null);
}

export function LatentMap() {
  const c = useController();
  const method = useLab((s) => s.mapMethod);
  const pca = useLab((s) => s.projection);
  const pcaStatus = useLab((s) => s.projectionStatus);
  const pcaError = useLab((s) => s.projectionError);
  const alt = useLab((s) => s.altMap);
  const positions = useLab((s) => s.mapPositions);
  const slidersMoved = useLab((s) => s.decoded !== null);
  const latent = useLab((s) => s.latent ?? s.result?.latent ?? null);
  const latentDim = useLab((s) => s.model?.spec.latent_dim ?? s.models.find((m) => m.id === s.modelId)?.spec.latent_dim);
  const dataset = useLab((s) => s.model?.dataset ?? s.models.find((m) => m.id === s.modelId)?.dataset ?? "mnist");
  const datasets = useLab((s) => s.datasets);
  const classes = datasets.find((d) => d.name === dataset)?.classes ?? [];
  const className = (l: number) => classes.find((k) => k.index === l)?.name ?? String(l);

  const projection = method === "pca" ? pca : alt?.status === "ready" ? alt.projection : null;
  const tab = mapTab(method);
  const tabs = mapTabs(latentDim);

  const pointsRef = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ index: number; x: number; y: number } | null>(null);
  const frame = useRef<number | null>(null);
  const thumb = useTestImage(dataset, hover?.index ?? null);

  const scale = useMemo(() => (projection ? fitScale(projection.points, SIZE, SIZE, 8) : null), [projection]);
  useEffect(() => setHover(null), [projection]);

  // A 2-D model's plane: what the decoder makes of each place, as a grid of images under the points.
  const modelId = useLab((s) => s.modelId);
  const [showGrid, setShowGrid] = useState(true);
  const sweep = useMemo(
    () => (method === "latent" && projection?.method === "latent" && scale ? planeSweep(projection.points, scale) : null),
    [method, projection, scale],
  );
  const grid = useLatest(
    (signal) => c.traverse(sweep!.centre, [0, 1], PLANE_GRID_STEPS, signal, sweep!.span),
    [modelId, sweep],
    showGrid && sweep !== null,
    0,
  );
  const tiles = useMemo(
    () => (showGrid && sweep && scale && grid.data ? { tiles: planeTiles(grid.data.values, scale), images: grid.data.images } : null),
    [showGrid, sweep, scale, grid.data],
  );

  // The 10,000 points, drawn once per map (over the decoded grid, when there is one).
  useEffect(() => {
    const canvas = pointsRef.current;
    if (!canvas || !projection || !scale) return;
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, SIZE, SIZE);
    if (tiles) paintTiles(ctx, tiles.tiles, tiles.images);
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
  }, [projection, scale, tiles]);

  // Where the current input lands: PCA and the latent plane in microseconds here; t-SNE and UMAP from
  // the server's newest answer, so the ring follows every stroke and slider move on every map.
  const ring = useMemo(() => {
    if (!scale) return null;
    const p = inputPoint(projection, latent, positions, slidersMoved);
    if (!p) return null;
    const [x, y] = toCanvas(scale, p[0], p[1]);
    const clamp = (v: number) => Math.min(SIZE - 4, Math.max(4, v));
    return { x: clamp(x), y: clamp(y), outside: x !== clamp(x) || y !== clamp(y) };
  }, [projection, scale, latent, positions, slidersMoved]);

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
        setHover((h) => (h?.index === hit.index ? h : { index: hit.index, x, y }));
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
  const [ax, ay] = axisNames(method);
  const labelsPresent = useMemo(() => (projection ? [...new Set(projection.labels)].sort((a, b) => a - b) : []), [projection]);

  const waiting = (): React.ReactNode => {
    if (method === "pca") {
      if (pcaStatus === "error") return <MapError text={`Could not compute the latent map: ${pcaError}`} />;
      return (
        <p className="empty" data-testid="latent-map-loading">
          {pcaStatus === "loading" ? "Computing the latent map of the test set…" : "The map appears after the first explore."}
        </p>
      );
    }
    if (alt?.status === "error") return <MapError text={`Could not compute the ${tab.label} map: ${alt.error}`} />;
    if (alt?.status === "computing" && alt.progress) {
      const { stage, fraction } = alt.progress;
      return (
        <div className="progress-block map-progress" data-testid="latent-map-progress" data-fraction={fraction.toFixed(3)} data-stage={stage}>
          <progress max={1} value={fraction} aria-label={`${tab.label} progress`} />
          <span className="progress-text">{progressText(method, stage, fraction)}</span>
          <p className="empty">The server computes this map once for the 10,000 test images (tens of seconds) and keeps it.</p>
        </div>
      );
    }
    return (
      <p className="empty" data-testid="latent-map-loading">
        Asking the server for the {tab.label} map…
      </p>
    );
  };

  return (
    <Panel
      id="latent-map"
      title={`Latent map (${tab.label})`}
      className="latent-map"
      explain="Every test image's code, flattened to 2-D; your drawing is the ringed point. Hover a point for its class and image, click it to explore that image."
    >
      <div className="tabs map-tabs" role="tablist" aria-label="Map">
        {tabs.map((t) => (
          <button
            key={t.method}
            role="tab"
            aria-selected={t.method === method}
            className={t.method === method ? "tab active" : "tab"}
            data-testid={`latent-map-tab-${t.method}`}
            onClick={() => c.selectMap(t.method as MapMethod)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <p className="map-what" data-testid="latent-map-what">
        {tab.explain}
      </p>
      {method === "latent" && (
        <label className="field inline plane-grid-toggle">
          <input type="checkbox" checked={showGrid} onChange={(e) => setShowGrid(e.target.checked)} data-testid="latent-plane-grid-toggle" />
          <span>
            Decoded grid: under the points, the image the decoder makes at each place of the plane
            {grid.loading && showGrid ? " (decoding…)" : ""}
          </span>
        </label>
      )}
      {grid.error && method === "latent" && <p className="error-text">Could not decode the grid: {grid.error}</p>}
      {!projection ? (
        waiting()
      ) : (
        <div className="map-body">
          <div className="map-plot">
            <span className="map-axis map-axis-y">
              {ay}
              {pct(1)}
            </span>
            <div className="map-canvas-wrap" onMouseMove={onMove} onMouseLeave={() => setHover(null)} onClick={onClick}>
              <canvas
                ref={pointsRef}
                width={SIZE}
                height={SIZE}
                data-testid="latent-map-canvas"
                data-count={projection.count}
                data-method={projection.method}
                data-grid-tiles={tiles?.tiles.length ?? 0}
                role="img"
                aria-label={`${projection.count} test images on the ${tab.label} map, coloured by class`}
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
                    style={{ left: Math.min(hover.x + 10, SIZE - 130), top: Math.max(hover.y - 70, 0) }}
                  >
                    {thumb ? (
                      <Heatmap values={thumb} width={28} height={28} lo={0} hi={255} cmap="ink" zoom={2} testId="latent-map-thumb" label={`test image #${hover.index}`} />
                    ) : (
                      <span className="map-thumb-empty" />
                    )}
                    <span>
                      “{className(projection.labels[hover.index]!)}” · test #{hover.index}
                    </span>
                  </span>
                </>
              )}
            </div>
            <span className="map-axis map-axis-x">
              {ax}
              {pct(0)}
            </span>
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

/** Decoded images as pale ink (so the class colours stay readable on top), one per tile. */
function paintTiles(ctx: CanvasRenderingContext2D, tiles: Tile[], images: Float32Array[]) {
  const side = 28;
  const tmp = document.createElement("canvas");
  tmp.width = tmp.height = side;
  const tctx = tmp.getContext("2d")!;
  const data = tctx.createImageData(side, side);
  ctx.imageSmoothingEnabled = true;
  for (const t of tiles) {
    const img = images[t.index];
    if (!img || img.length !== side * side) continue;
    for (let i = 0; i < img.length; i++) {
      const v = Math.round(255 - img[i]! * 150);
      data.data[4 * i] = data.data[4 * i + 1] = data.data[4 * i + 2] = v;
      data.data[4 * i + 3] = 255;
    }
    tctx.putImageData(data, 0, 0);
    ctx.drawImage(tmp, t.x, t.y, t.w, t.h);
  }
}

function MapError(p: { text: string }) {
  return (
    <p className="warn" role="alert" data-testid="latent-map-error">
      {p.text}
    </p>
  );
}
