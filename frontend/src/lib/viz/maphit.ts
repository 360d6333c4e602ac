// Pointing at a latent map, pure: the canvas pixel under the pointer, the point nearest it, and where
// the input's ring goes (kept inside the canvas, marked when its point lies beyond the edge).
import { type MapScale, nearestPoint, toCanvas } from "./mapscale";

/** Canvas pixel under a pointer at (clientX, clientY) on an element drawn at `rect` (CSS may scale it). */
export function pointerPixel(
  clientX: number,
  clientY: number,
  rect: { left: number; top: number; width: number; height: number },
  scale: Pick<MapScale, "width" | "height">,
): [number, number] {
  return [((clientX - rect.left) / rect.width) * scale.width, ((clientY - rect.top) / rect.height) * scale.height];
}

/** The point within `radius` pixels of canvas pixel (cx, cy) nearest it, with its own canvas pixel; null if none. */
export function hitPoint(
  scale: MapScale,
  points: readonly (readonly number[])[],
  cx: number,
  cy: number,
  radius = 12,
): { index: number; x: number; y: number } | null {
  const hit = nearestPoint(scale, points, cx, cy, radius);
  if (hit.index < 0) return null;
  const p = points[hit.index]!;
  const [x, y] = toCanvas(scale, p[0]!, p[1]!);
  return { index: hit.index, x, y };
}

/** The ring's canvas pixel for data point `p`, at least `inset` pixels inside the canvas; `outside`
 * when the point itself lies beyond it. */
export function ringAt(scale: MapScale, p: readonly [number, number] | null, inset = 4): { x: number; y: number; outside: boolean } | null {
  if (!p) return null;
  const [x, y] = toCanvas(scale, p[0], p[1]);
  const cx = Math.min(scale.width - inset, Math.max(inset, x));
  const cy = Math.min(scale.height - inset, Math.max(inset, y));
  return { x: cx, y: cy, outside: x !== cx || y !== cy };
}
