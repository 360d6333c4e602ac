import { describe, expect, it } from "vitest";
import { compareCandidate, decodedView, defaultCorruption, exploreView, initialModel, pickerOrder, startDecoded } from "./views";
import type { ModelSummary } from "../api/types";
import { bytesToBase64 } from "../lib/viz/tensor8";
import type { ExploreView } from "./slices/explore";

const m = (id: string, pretrained: boolean, dataset: string, created: string) => ({ id, pretrained, dataset, created }) as ModelSummary;

describe("initialModel", () => {
  it("opens a pretrained MNIST model first", () => {
    const models = [m("mine", false, "mnist", "2026-02-01"), m("fashion", true, "fashion-mnist", "2026-01-01"), m("digits", true, "mnist", "2026-01-01")];
    expect(initialModel(models)?.id).toBe("digits");
  });

  it("prefers the plain autoencoder over pretrained VAE and denoising MNIST models", () => {
    const v = (id: string, variant: string) => ({ ...m(id, true, "mnist", "2026-01-01"), spec: { variant } }) as ModelSummary;
    expect(initialModel([v("vae-mnist", "vae"), v("dae-mnist", "denoising"), v("ae-32-64-l16-mnist", "plain")])?.id).toBe("ae-32-64-l16-mnist");
    expect(initialModel([v("vae-mnist", "vae"), m("fashion", true, "fashion-mnist", "2026-01-01")])?.id).toBe("vae-mnist");
  });

  it("opens the best-reconstructing of several pretrained MNIST autoencoders (not a small sweep model)", () => {
    const p = (id: string, psnr: number | undefined) => ({ ...m(id, true, "mnist", "2026-01-01"), metrics: psnr === undefined ? {} : { psnr } }) as ModelSummary;
    expect(initialModel([p("ae-16-32-l8-sweep", 15.9), p("ae-16-32-l32-sweep", 19.2), p("ae-32-64-l16-mnist", 21.4)])?.id).toBe("ae-32-64-l16-mnist");
    expect(initialModel([p("no-metrics", undefined), p("first", 20), p("tie", 20)])?.id).toBe("first");
  });

  it("falls back to any pretrained model, then to the newest", () => {
    expect(initialModel([m("a", false, "mnist", "2026-01-01"), m("f", true, "fashion-mnist", "2025-01-01")])?.id).toBe("f");
    expect(initialModel([m("old", false, "mnist", "2026-01-01"), m("new", false, "mnist", "2026-03-01")])?.id).toBe("new");
    expect(initialModel([])).toBeUndefined();
  });
});

describe("pickerOrder", () => {
  it("lists the fully trained models before the 1-epoch sweep models, otherwise as listed", () => {
    const e = (id: string, epochs: number) => ({ ...m(id, true, "mnist", "2026-01-01"), spec: { epochs } }) as ModelSummary;
    const order = pickerOrder([e("sweep-l2", 1), e("sweep-l4", 1), e("flagship", 5), e("fashion", 5), e("long", 10)]);
    expect(order.map((x) => x.id)).toEqual(["long", "flagship", "fashion", "sweep-l2", "sweep-l4"]);
  });
});

describe("decoded sliders", () => {
  const tensor = (bytes: number[]) => ({ shape: [1, 1, bytes.length], lo: [0], hi: [2], data: bytesToBase64(new Uint8Array(bytes)) });

  it("a decode_result repaints the reconstruction and every decoder layer", () => {
    const view = decodedView(
      {
        request_id: 4,
        reconstruction: [0.5, null, 1],
        activations: [
          { name: "dec_dense", part: "decoder", kind: "dense", tensor: tensor([0, 255]) },
          { name: "output", part: "decoder", kind: "conv", tensor: tensor([51]) },
        ],
      },
      [0.1, 0.2],
    );
    expect(view.requestId).toBe(4);
    expect(view.latent).toEqual([0.1, 0.2]);
    expect(Array.from(view.reconstruction)).toEqual([0.5, 0, 1]);
    expect(view.layers.map((l) => l.name)).toEqual(["dec_dense", "output"]);
    expect(Array.from(view.layers[0]!.tensor.data)).toEqual([0, 2]);
    expect(view.layers[1]!.tensor.data[0]).toBeCloseTo(0.4, 6);
  });

  it("before the first answer, moved sliders show the drawing's decoder layers (nothing dimmed)", () => {
    const layer = (name: string, part: "encoder" | "decoder") => ({ name, part, kind: "conv", tensor: { channels: 1, height: 1, width: 1, data: new Float32Array(1) } });
    const result = {
      requestId: 1,
      input: new Float32Array(784),
      latent: [0, 0],
      reconstruction: new Float32Array(784).fill(0.25),
      layers: [layer("enc_conv1", "encoder"), layer("dec_dense", "decoder"), layer("output", "decoder")],
      mse: 0,
      psnr: 30,
    } as unknown as ExploreView;
    const start = startDecoded(result, [1, 0]);
    expect(start.requestId).toBe(-1);
    expect(start.layers.map((l) => l.name)).toEqual(["dec_dense", "output"]);
    expect(start.reconstruction).toBe(result.reconstruction);
    expect(startDecoded(null, [1]).layers).toEqual([]);
  });
});

describe("exploreView", () => {
  const answer = (extra: object) => ({ request_id: 7, latent: [0.5, null], reconstruction: [0.25, 1], activations: [], mse: 0, psnr: null, ssim: 1, ...extra });

  it("keeps a VAE's sigma per dimension beside its mean, and reads a null PSNR with an mse of 0 as infinite", () => {
    const v = exploreView(answer({ latent_sigma: [0.1, null] }), [0, 1]);
    expect(v.latent).toEqual([0.5, 0]);
    expect(v.sigma).toEqual([0.1, 0]);
    expect(v.psnr).toBe(Infinity);
    expect(Array.from(v.input)).toEqual([0, 1]);
  });

  it("has no sigma for a plain model", () => {
    expect(exploreView(answer({ latent_sigma: null }), []).sigma).toBeNull();
    expect(exploreView(answer({}), []).sigma).toBeNull();
  });
});

describe("compareCandidate", () => {
  const v = (id: string, dataset: string, variant: string, latent_dim = 16) => ({ ...m(id, true, dataset, "2026-01-01"), spec: { variant, latent_dim } }) as ModelSummary;
  it("picks another model of the same dataset, a different variant first, then the same latent size", () => {
    const models = [v("ae", "mnist", "plain"), v("fashion", "fashion-mnist", "plain"), v("mine", "mnist", "plain"), v("vae2", "mnist", "vae", 2), v("vae", "mnist", "vae")];
    expect(compareCandidate(models, "ae")?.id).toBe("vae");
    expect(compareCandidate(models.slice(0, 4), "ae")?.id).toBe("vae2");
    expect(compareCandidate(models.slice(0, 3), "ae")?.id).toBe("mine");
    expect(compareCandidate(models.slice(0, 2), "ae")?.id).toBe("fashion");
    expect(compareCandidate(models.slice(0, 1), "ae")).toBeUndefined();
  });
});

describe("defaultCorruption", () => {
  it("explores a denoising model with its own training noise, other variants with none", () => {
    expect(defaultCorruption({ variant: "denoising", corruption: "mask", corruption_level: 0.5 })).toEqual({ kind: "mask", level: 0.5, seed: 0 });
    expect(defaultCorruption({ variant: "denoising" })).toEqual({ kind: "gaussian", level: 0.3, seed: 0 });
    expect(defaultCorruption({ variant: "vae", corruption: "mask" })).toBeNull();
    expect(defaultCorruption(undefined)).toBeNull();
  });

  it("keeps the corrupted input the encoder saw beside the clean one", () => {
    const v = exploreView({ request_id: 1, latent: [0], reconstruction: [0.5], activations: [], mse: 0.1, psnr: 10, ssim: 0.5, corrupted: [0.25, null] }, [1, 0]);
    expect(Array.from(v.corrupted!)).toEqual([0.25, 0]);
    expect(Array.from(v.input)).toEqual([1, 0]);
  });
});
