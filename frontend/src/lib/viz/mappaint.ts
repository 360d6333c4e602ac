// Painting a latent map: a white canvas, a 2-D model's decoded grid as pale ink (so the class colours
// stay readable on top), then every test image's point in its class colour. Deterministic functions of
// their arguments that draw through the few canvas calls they need (tested with a recording context).
import { schemeTableau10 } from "d3-scale-chromatic";
import { type MapScale, toCanvas } from "./mapscale";
import type { Tile } from "./planegrid";

export const MAP_BACKGROUND = "#ffffff";

export const classColour = (label: number) => schemeTableau10[label % schemeTableau10.length]!;

/** The canvas calls painting uses. */
export type PaintTarget = Pick<CanvasRenderingContext2D, "fillStyle" | "fillRect" | "drawImage" | "imageSmoothingEnabled">;

/** A small canvas (one decoded image in size) to put an image on before it is scaled onto the map. */
export interface Scratch {
  canvas: CanvasImageSource;
  put(rgba: Uint8ClampedArray<ArrayBuffer>): void;
}

export type MakeScratch = (width: number, height: number) => Scratch;

export interface MapPoints {
  points: readonly (readonly number[])[];
  labels: readonly number[];
}

export interface DecodedTiles {
  tiles: Tile[];
  images: readonly ArrayLike<number>[];
  width: number;
  height: number;
}

/** Values in 0..1 as opaque pale grey ink on white (1 -> 105, 0 -> 255) into `out` (RGBA). */
export function tileInk<T extends Uint8ClampedArray>(image: ArrayLike<number>, out: T): T {
  for (let i = 0; i < image.length; i++) {
    const v = Math.round(255 - image[i]! * 150);
    out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = v;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Each decoded image scaled (smoothly) into its tile. */
export function paintTiles(ctx: PaintTarget, grid: DecodedTiles, makeScratch: MakeScratch): void {
  const scratch = makeScratch(grid.width, grid.height);
  const rgba = new Uint8ClampedArray(4 * grid.width * grid.height);
  ctx.imageSmoothingEnabled = true;
  for (const t of grid.tiles) {
    const img = grid.images[t.index];
    if (!img || img.length !== grid.width * grid.height) continue;
    scratch.put(tileInk(img, rgba));
    ctx.drawImage(scratch.canvas, t.x, t.y, t.w, t.h);
  }
}

/** Every point as a 2 x 2 square in its class colour, in test-set order (shuffled classes), so no
 * class is always painted over the others. With `colourOf` (lib/viz/mapcolours: many classes), points in
 * `muted` (the grey "other") go first and the coloured ones on top, as 3 x 3 squares. */
export function paintPoints(
  ctx: Pick<PaintTarget, "fillStyle" | "fillRect">,
  map: MapPoints,
  scale: MapScale,
  colourOf: (label: number) => string = classColour,
  muted: string | null = null,
): void {
  let last = "";
  const pass = (grey: boolean) =>
    map.points.forEach((p, i) => {
      const colour = colourOf(map.labels[i]!);
      if (muted !== null && (colour === muted) !== grey) return;
      if (colour !== last) {
        ctx.fillStyle = colour;
        last = colour;
      }
      const [x, y] = toCanvas(scale, p[0]!, p[1]!);
      const size = muted !== null && !grey ? 3 : 2; // over a grey crowd, the coloured points a little larger
      ctx.fillRect(Math.round(x) - 1, Math.round(y) - 1, size, size);
    });
  if (muted !== null) pass(true);
  pass(false);
}

/** The whole map: background, the decoded grid when there is one, the points on top. */
export function paintMap(
  ctx: PaintTarget,
  map: MapPoints,
  scale: MapScale,
  grid: DecodedTiles | null,
  makeScratch: MakeScratch,
  colourOf: (label: number) => string = classColour,
  muted: string | null = null,
): void {
  ctx.fillStyle = MAP_BACKGROUND;
  ctx.fillRect(0, 0, scale.width, scale.height);
  if (grid) paintTiles(ctx, grid, makeScratch);
  paintPoints(ctx, map, scale, colourOf, muted);
}
