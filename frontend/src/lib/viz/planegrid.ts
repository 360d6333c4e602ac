// The decoded grid over a 2-D model's latent plane: which traverse request tiles the map as drawn, and
// where each decoded image goes on the canvas. Pure; the maps session asks the server, the map paints.
import { type MapScale, toCanvas } from "./mapscale";

export const PLANE_GRID_STEPS = 12;
const MAX_SPAN = 10; // the traverse API's limit, in standard deviations

function meanStd(points: readonly (readonly number[])[], k: number): [number, number] {
  let s = 0;
  let ss = 0;
  for (const p of points) {
    s += p[k]!;
    ss += p[k]! * p[k]!;
  }
  const n = Math.max(points.length, 1);
  const mean = s / n;
  return [mean, Math.sqrt(Math.max(ss / n - mean * mean, 1e-12))];
}

/** The centre of the map's box (a MapScale's data range) and the sweep (in each dimension's test-set
 * standard deviations, as the traverse endpoint takes it) that reaches the box's farther edge in both
 * dimensions. */
export function planeSweep(points: readonly (readonly number[])[], box: Pick<MapScale, "x0" | "x1" | "y0" | "y1">): { centre: [number, number]; span: number } {
  const centre: [number, number] = [(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2];
  const [, sx] = meanStd(points, 0);
  const [, sy] = meanStd(points, 1);
  const span = Math.max((box.x1 - box.x0) / 2 / sx, (box.y1 - box.y0) / 2 / sy);
  return { centre, span: Math.min(Math.max(span, 0.1), MAX_SPAN) };
}

export interface Tile {
  index: number; // into the traverse answer's images
  x: number; // top-left corner on the canvas
  y: number;
  w: number;
  h: number;
}

/** Canvas rectangles of a traverse answer's images (values[0] across, values[1] up), each centred on its
 * code and as large as the spacing between codes; tiles wholly off the canvas are left out. */
export function planeTiles(values: readonly (readonly number[])[], scale: MapScale): Tile[] {
  const xs = values[0] ?? [];
  const ys = values[1] ?? [];
  if (xs.length < 2 || ys.length < 2) return [];
  const [ax, ay] = toCanvas(scale, xs[0]!, ys[0]!);
  const [bx, by] = toCanvas(scale, xs[1]!, ys[1]!);
  const w = Math.abs(bx - ax);
  const h = Math.abs(by - ay);
  const tiles: Tile[] = [];
  ys.forEach((vy, r) =>
    xs.forEach((vx, c) => {
      const [cx, cy] = toCanvas(scale, vx, vy);
      const t = { index: r * xs.length + c, x: cx - w / 2, y: cy - h / 2, w, h };
      if (t.x + w > 0 && t.y + h > 0 && t.x < scale.width && t.y < scale.height) tiles.push(t);
    }),
  );
  return tiles;
}
