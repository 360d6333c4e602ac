// ImageBatch: how decoded image sets travel (interpolations, traversals, prior samples):
// count x height x width bytes, image-major then row-major, value = byte / 255 (docs/api.md).
import type { components } from "../../api/generated/openapi";
import { base64ToBytes } from "./tensor8";

export type ImageBatch = components["schemas"]["ImageBatch"];

export interface DecodedBatch {
  width: number;
  height: number;
  /** One Float32Array of height x width values in 0..1 per image, each a view of one buffer. */
  images: Float32Array[];
}

export function decodeImageBatch(b: ImageBatch): DecodedBatch {
  const bytes = base64ToBytes(b.data);
  const n = b.height * b.width;
  if (bytes.length !== b.count * n) throw new Error(`ImageBatch has ${bytes.length} bytes, ${b.count} images of ${b.height}x${b.width} need ${b.count * n}`);
  const all = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) all[i] = bytes[i]! / 255;
  const images: Float32Array[] = [];
  for (let k = 0; k < b.count; k++) images.push(all.subarray(k * n, (k + 1) * n));
  return { width: b.width, height: b.height, images };
}

/** Traversal images as grid rows: two dims give steps x steps (row r: dims[1]'s r-th value), one
 * dim gives one row. */
export function gridRows<T>(images: T[], dims: number): T[][] {
  if (dims < 2) return [images];
  const side = Math.round(Math.sqrt(images.length));
  if (side * side !== images.length) throw new Error(`${images.length} images do not make a square grid`);
  const rows: T[][] = [];
  for (let r = 0; r < side; r++) rows.push(images.slice(r * side, (r + 1) * side));
  return rows;
}
