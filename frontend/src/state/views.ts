// What the page shows, built from what the service answers, and which model to show: pure functions of
// their arguments (tested in views.test.ts); the sessions call them and write the store slices.
import { IMAGE_PIXELS, SPEC_DEFAULTS } from "../api/generated/spec";
import type { DecodeAnswer, ExploreAnswer } from "../api/exploreFrames";
import type { Corruption, DecodeResult, ExploreResult, ModelSpec, ModelSummary } from "../api/types";
import { modelMetric } from "../lib/format";
import { decodeLayers } from "./job";
import type { DecodedView, ExploreView } from "./slices/explore";

/** Non-finite values arrive as null (JSON) or NaN (binary frames); a picture needs numbers. */
export const finite = (xs: ArrayLike<number | null>) => Array.from(xs, (x) => (x !== null && Number.isFinite(x) ? x : 0));

/** A decode_result as the page shows it: the sliders' reconstruction and the decoder layers' heatmaps. */
export function decodedView(r: (DecodeResult | DecodeAnswer) & { request_id: number }, sent: number[]): DecodedView {
  return {
    requestId: r.request_id,
    latent: sent,
    reconstruction: Float32Array.from(finite(r.reconstruction)),
    layers: decodeLayers(r.activations),
  };
}

/** An explore_result as the page shows it; `sent` is the image it answers, `corruption` the noise asked. */
export function exploreView(r: (ExploreResult | ExploreAnswer) & { request_id: number }, sent: number[], corruption: Corruption | null = null): ExploreView {
  return {
    requestId: r.request_id,
    input: Float32Array.from(sent),
    latent: finite(r.latent),
    reconstruction: Float32Array.from(finite(r.reconstruction)),
    layers: decodeLayers(r.activations),
    mse: r.mse,
    psnr: r.psnr ?? (r.mse === 0 ? Infinity : null),
    ssim: r.ssim,
    sigma: r.latent_sigma ? finite(r.latent_sigma) : null,
    corrupted: r.corrupted ? Float32Array.from(finite(r.corrupted)) : null,
    corruption,
  };
}

/** Where moved sliders start from before their first answer: the drawing's own decoding. */
export function startDecoded(result: ExploreView | null, latent: number[]): DecodedView {
  return {
    requestId: -1,
    latent,
    reconstruction: result?.reconstruction ?? new Float32Array(IMAGE_PIXELS),
    layers: result?.layers.filter((l) => l.part === "decoder") ?? [],
  };
}

/** Which model to open first: the pretrained plain MNIST autoencoder (the one the lab is explained
 * with, even when pretrained VAE or denoising MNIST models ship beside it), else any pretrained
 * MNIST model, else any pretrained, else the newest. */
export function initialModel(models: ModelSummary[]): ModelSummary | undefined {
  const variant = (m: ModelSummary) => m.spec?.variant ?? "plain";
  // Within a tier the best reconstruction: the shipped sweep's small 1-epoch models are pretrained
  // MNIST autoencoders too, and newer than the flagship.
  const best = (xs: ModelSummary[]) => xs.reduce<ModelSummary | undefined>((a, b) => (a && psnrOf(a) >= psnrOf(b) ? a : b), undefined);
  const pretrained = models.filter((m) => m.pretrained);
  const mnist = pretrained.filter((m) => m.dataset === "mnist");
  return (
    best(mnist.filter((m) => variant(m) === "plain")) ??
    best(mnist) ??
    best(pretrained) ??
    [...models].sort((a, b) => b.created.localeCompare(a.created))[0]
  );
}

/** The picker's order of pretrained models: the fully trained ones first, the shipped sweep's short runs (1 epoch)
 * after them; otherwise as listed. */
export function pickerOrder(models: ModelSummary[]): ModelSummary[] {
  return [...models].sort((a, b) => (b.spec?.epochs ?? 0) - (a.spec?.epochs ?? 0));
}

function psnrOf(m: ModelSummary): number {
  return modelMetric(m, "test_psnr", "psnr") ?? -Infinity;
}

/** The noise a model is explored with at first: a denoising model's own training corruption. */
export function defaultCorruption(spec: Partial<ModelSpec> | undefined): Corruption | null {
  if (spec?.variant !== "denoising") return null;
  return { kind: spec.corruption ?? SPEC_DEFAULTS.corruption, level: spec.corruption_level ?? SPEC_DEFAULTS.corruption_level, seed: 0 };
}

/** The second model Compare opens with: another model of the same dataset, then of another
 * variant (a VAE beside the plain autoencoder says more than two plain ones), then with as many
 * latent dimensions; the first listed among equals. */
export function compareCandidate(models: ModelSummary[], mainId: string | null): ModelSummary | undefined {
  const main = models.find((m) => m.id === mainId);
  const variant = (m: ModelSummary) => m.spec?.variant ?? "plain";
  const score = (m: ModelSummary) =>
    !main ? 0 : (m.dataset === main.dataset ? 4 : 0) + (variant(m) !== variant(main) ? 2 : 0) + (m.spec?.latent_dim === main.spec?.latent_dim ? 1 : 0);
  let best: ModelSummary | undefined;
  for (const m of models) if (m.id !== mainId && (!best || score(m) > score(best))) best = m;
  return best;
}
