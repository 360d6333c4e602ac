// One latent map drawn: the 10,000 points (over a 2-D model's decoded grid) on a canvas, the input's
// ring, the axes and the class legend. Hover a point for its class and image (fetched by the maps
// session), click it to explore that test image. Painting and hit-testing are lib/viz's.
import { useEffect, useMemo, useRef, useState } from "react";
import { IMAGE_SIDE } from "../api/generated/spec";
import type { LatentMap, MapMethod } from "../api/types";
import { useSessions } from "../state/context";
import { className, selectDatasets, useCatalog } from "../state/slices/catalog";
import { selectShownLatent, selectSlidersMoved, useExplore } from "../state/slices/explore";
import { selectHoverImage, selectPlaneGrid, selectPositions, useMaps } from "../state/slices/maps";
import { useDataset } from "../state/slices/model";
import { fitScale } from "../lib/viz/mapscale";
import { hitPoint, pointerPixel, ringAt } from "../lib/viz/maphit";
import { paintMap, type Scratch } from "../lib/viz/mappaint";
import { mapColouring, OTHER_COLOUR } from "../lib/viz/mapcolours";
import { ClassPicker } from "./ClassPicker";
import { axisNames, inputPoint, mapTab } from "../lib/viz/mapview";
import { planeTiles } from "../lib/viz/planegrid";
import { Heatmap } from "./Heatmap";

const SIZE = 360;

/** A canvas of one decoded image's size, for scaling each image onto the map. */
function scratchCanvas(width: number, height: number): Scratch {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d")!;
  return { canvas, put: (rgba) => ctx.putImageData(new ImageData(rgba, width, height), 0, 0) };
}

export function LatentMapPlot({ map, method }: { map: LatentMap; method: MapMethod }) {
  const { explore } = useSessions();
  const positions = useMaps(selectPositions);
  const planeGrid = useMaps(selectPlaneGrid);
  const hoverImage = useMaps(selectHoverImage);
  const slidersMoved = useExplore(selectSlidersMoved);
  const latent = useExplore(selectShownLatent);
  const dataset = useDataset();
  const datasets = useCatalog(selectDatasets);
  const nameOf = (label: number) => className(datasets, dataset, label);
  const classes = datasets.find((d) => d.name === dataset)?.classes;
  // One class in colour over the others in grey (hundreds of classes); none: every class, or the ten largest.
  const [chosen, setChosen] = useState<number | null>(null);
  useEffect(() => setChosen(null), [dataset]);
  const colouring = useMemo(() => mapColouring(map.labels, chosen), [map, chosen]);
  const label = mapTab(method).label;

  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ index: number; x: number; y: number } | null>(null);
  const frame = useRef<number | null>(null);

  const scale = useMemo(() => fitScale(map.points, SIZE, SIZE, 8), [map]);
  useEffect(() => setHover(null), [map]);
  useEffect(() => explore.maps.hover(dataset, hover?.index ?? null), [explore, dataset, hover?.index]);
  const thumb = hover && hoverImage?.dataset === dataset && hoverImage.index === hover.index ? hoverImage.image : null;

  // A 2-D model's plane: what the decoder makes of each place, as a grid of images under the points.
  const grid = planeGrid.show && method === "latent" && map.method === "latent" ? planeGrid.grid : null;
  const tiles = useMemo(() => (grid ? { tiles: planeTiles(grid.values, scale), images: grid.images, width: grid.width, height: grid.height } : null), [grid, scale]);

  // The 10,000 points, drawn once per map (over the decoded grid, when there is one).
  useEffect(() => {
    const ctx = canvasRef.current?.getContext("2d");
    if (ctx) paintMap(ctx, map, scale, tiles, scratchCanvas, colouring.colourOf, colouring.mode === "classes" ? null : OTHER_COLOUR);
  }, [map, scale, tiles, colouring]);

  // Where the current input lands: PCA and the latent plane in microseconds here; t-SNE and UMAP from
  // the server's newest answer, so the ring follows every stroke and slider move on every map.
  const ring = useMemo(() => ringAt(scale, inputPoint(map, latent, positions, slidersMoved)), [map, scale, latent, positions, slidersMoved]);

  useEffect(() => () => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
  }, []);

  const pixelAt = (e: React.MouseEvent<HTMLElement>) => pointerPixel(e.clientX, e.clientY, canvasRef.current!.getBoundingClientRect(), scale);

  const onMove = (e: React.MouseEvent<HTMLElement>) => {
    const [cx, cy] = pixelAt(e);
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const hit = hitPoint(scale, map.points, cx, cy);
      setHover((h) => (hit === null ? null : h?.index === hit.index ? h : hit));
    });
  };

  const onClick = (e: React.MouseEvent<HTMLElement>) => {
    const [cx, cy] = pixelAt(e);
    const hit = hitPoint(scale, map.points, cx, cy);
    if (hit) void explore.pickTestImage(dataset, hit.index);
  };

  const ev = map.explained_variance ?? [];
  const pct = (k: number) => (ev[k] !== undefined ? ` (${(ev[k]! * 100).toFixed(0)}% of variance)` : "");
  const [ax, ay] = axisNames(method);

  return (
    <div className="map-body">
      <div className="map-plot">
        <span className="map-axis map-axis-y">
          {ay}
          {pct(1)}
        </span>
        <div className="map-canvas-wrap" onMouseMove={onMove} onMouseLeave={() => setHover(null)} onClick={onClick}>
          <canvas
            ref={canvasRef}
            width={SIZE}
            height={SIZE}
            data-testid="latent-map-canvas"
            data-count={map.count}
            data-method={map.method}
            data-grid-tiles={tiles?.tiles.length ?? 0}
            role="img"
            aria-label={`${map.count} test images on the ${label} map, coloured by class`}
          />
          {ring && (
            <span
              // Eased when a drawing moves it; dragged sliders move it at every frame, where an easing
              // restarted at each frame only costs (three transition events and a new animation per frame).
              className={`map-ring${ring.outside ? " outside" : ""}${slidersMoved ? " follows" : ""}`}
              data-testid="latent-map-ring"
              data-x={ring.x.toFixed(2)}
              data-y={ring.y.toFixed(2)}
              style={{ transform: `translate(${ring.x}px, ${ring.y}px)` }}
              title="your input"
            />
          )}
          {hover && (
            <>
              <span className="map-hover-dot" style={{ left: hover.x, top: hover.y }} />
              <span className="map-tip" data-testid="latent-map-tip" style={{ left: Math.min(hover.x + 10, SIZE - 130), top: Math.max(hover.y - 70, 0) }}>
                {thumb ? (
                  <Heatmap values={thumb} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={0} hi={255} cmap="ink" zoom={2} testId="latent-map-thumb" label={`test image #${hover.index}`} />
                ) : (
                  <span className="map-thumb-empty" />
                )}
                <span>
                  “{nameOf(map.labels[hover.index]!)}” · test #{hover.index}
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
      <ul className="map-legend" aria-label="Classes" data-testid="latent-map-legend" data-mode={colouring.mode} data-entries={colouring.legend.length}>
        {colouring.mode !== "classes" && (
          <li className="map-legend-note">{colouring.mode === "largest" ? `10 of ${colouring.legend.length - 1 + colouring.legend.at(-1)!.classes} classes in colour, the largest first:` : "One class:"}</li>
        )}
        {colouring.legend.map((e) => (
          <li key={e.label ?? "other"} data-label={e.label ?? "other"}>
            <span className="swatch" style={{ background: e.colour }} />
            {e.label === null ? `other (${e.classes} classes)` : nameOf(e.label)}
            {colouring.mode !== "classes" && <span className="muted"> · {e.count}</span>}
          </li>
        ))}
        <li>
          <span className="swatch ring" />
          your input
        </li>
        {classes && classes.length > 10 && (
          <li className="map-legend-pick">
            <ClassPicker
              classes={classes}
              value={chosen ?? ""}
              onChange={(l) => setChosen(l === "" ? null : l)}
              testId="latent-map-class"
              empty="the 10 largest"
              label="Colour"
            />
          </li>
        )}
      </ul>
    </div>
  );
}
