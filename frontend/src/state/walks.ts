// Latent walks, plain functions over the REST client: interpolation between two images' codes, a
// traversal of one or two code dimensions, and samples from a VAE's prior, each answer decoded into
// images. Sessions call them with the explored model's id; tests call them with a fake client.
import type { api } from "../api/client";
import type { TraverseResult } from "../api/types";
import { decodeImageBatch, type DecodedBatch } from "../lib/viz/imagebatch";

export type WalksClient = Pick<typeof api, "interpolate" | "traverse" | "priorSamples">;
export type InterpolationPath = "linear" | "spherical";
export type Interpolation = DecodedBatch & { path: string };
export type TraverseGrid = DecodedBatch & Pick<TraverseResult, "dims" | "values">;

/** `steps` images from a's code to b's, along a straight line or the great circle. */
export async function interpolate(
  client: WalksClient,
  modelId: string,
  ends: { a: Float32Array; b: Float32Array },
  steps: number,
  path: InterpolationPath,
  signal?: AbortSignal,
): Promise<Interpolation> {
  const r = await client.interpolate(modelId, { a: Array.from(ends.a), b: Array.from(ends.b), steps, path }, signal);
  return { ...decodeImageBatch(r.images), path: r.path };
}

/** `dims` (one or two) swept around `latent` in `steps` steps, ± `span` test-set standard deviations
 * (the service's default span when undefined). */
export async function traverse(
  client: WalksClient,
  modelId: string,
  sweep: { latent: number[]; dims: number[]; steps: number; span?: number | undefined },
  signal?: AbortSignal,
): Promise<TraverseGrid> {
  const { latent, dims, steps, span } = sweep;
  const r = await client.traverse(modelId, { latent, dims, steps, ...(span === undefined ? {} : { span }) }, signal);
  return { ...decodeImageBatch(r.images), dims: r.dims, values: r.values };
}

/** `count` codes drawn from N(0, 1) with `seed`, decoded. */
export async function priorSamples(client: WalksClient, modelId: string, count: number, seed: number, signal?: AbortSignal): Promise<DecodedBatch> {
  return decodeImageBatch((await client.priorSamples(modelId, { count, seed }, signal)).images);
}
