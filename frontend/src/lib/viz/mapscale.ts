// The latent map's arithmetic, pure: placing a latent on the PCA map the service fitted
// (p = components · (z − mean)), fitting the map's points into a canvas, and finding the point
// nearest the pointer.

/** A latent on the 2-D map: `[components[0] · (z − mean), components[1] · (z − mean)]`. */
export function projectLatent(latent: ArrayLike<number>, mean: ArrayLike<number>, components: readonly ArrayLike<number>[]): [number, number] {
  if (latent.length !== mean.length) throw new Error(`latent has ${latent.length} values, the map's mean ${mean.length}`);
  const out: [number, number] = [0, 0];
  for (let k = 0; k < 2; k++) {
    const c = components[k];
    if (!c || c.length !== mean.length) throw new Error(`component ${k} must have ${mean.length} values`);
    let s = 0;
    for (let i = 0; i < mean.length; i++) s += c[i]! * (latent[i]! - mean[i]!);
    out[k] = s;
  }
  return out;
}

/** Maps data coordinates to canvas pixels (y up on the map, down on the canvas) and back. */
export interface MapScale {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  width: number;
  height: number;
  pad: number;
}

/** A scale that fits every point into width × height with `pad` pixels on each side. */
export function fitScale(points: readonly (readonly number[])[], width: number, height: number, pad = 6): MapScale {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const p of points) {
    const x = p[0]!;
    const y = p[1]!;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (!Number.isFinite(x0)) [x0, x1, y0, y1] = [-1, 1, -1, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  return { x0, x1, y0, y1, width, height, pad };
}

/** Canvas pixel of a data point (may lie outside the canvas for a point beyond the fitted range). */
export function toCanvas(s: MapScale, x: number, y: number): [number, number] {
  const w = s.width - 2 * s.pad;
  const h = s.height - 2 * s.pad;
  return [s.pad + ((x - s.x0) / (s.x1 - s.x0)) * w, s.pad + ((s.y1 - y) / (s.y1 - s.y0)) * h];
}

/** Index of the point nearest canvas pixel (cx, cy), and its distance in pixels; -1 if none within maxDist. */
export function nearestPoint(s: MapScale, points: readonly (readonly number[])[], cx: number, cy: number, maxDist = Infinity): { index: number; dist: number } {
  const w = s.width - 2 * s.pad;
  const h = s.height - 2 * s.pad;
  const kx = w / (s.x1 - s.x0);
  const ky = h / (s.y1 - s.y0);
  let best = -1;
  let bestD = maxDist * maxDist;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const dx = s.pad + (p[0]! - s.x0) * kx - cx;
    const dy = s.pad + (s.y1 - p[1]!) * ky - cy;
    const d = dx * dx + dy * dy;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return { index: best, dist: best < 0 ? Infinity : Math.sqrt(bestD) };
}
