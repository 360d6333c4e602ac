// The link codec: round trips, the drawing's packing, a fuzzed decoder that never throws and only
// returns well-formed parts, and the check against the service's models and datasets.
import { describe, expect, it } from "vitest";
import { IMAGE_PIXELS } from "../api/generated/spec";
import type { DatasetInfo, ModelSummary } from "../api/types";
import { checkLink, decodeLink, droppedNotice, encodeLink, MAP_METHODS, MAX_LATENT_ABS, packPixels, TABS, toBytes, unpackPixels, type ViewLink } from "./url";

/** A deterministic generator (mulberry32): the fuzz cases are the same on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A digit-like stroke: a thick anti-aliased diagonal on black, as a drawing is. */
function stroke(): Uint8Array {
  const px = new Uint8Array(IMAGE_PIXELS);
  for (let y = 4; y < 24; y++)
    for (let x = 0; x < 28; x++) {
      const d = Math.abs(x - (6 + y * 0.6));
      if (d < 2.5) px[y * 28 + x] = Math.round(255 * Math.min(1, 2.5 - d));
    }
  return px;
}

const drawing = stroke();
const full: ViewLink = {
  model: "ae-8-l8-mnist-20250101-120000-a1b2c3",
  tab: "compare",
  input: { kind: "drawing", pixels: drawing },
  latent: [0.12345678901234568, -3.5, 1e-7, 0, -0.30000000000000004, 2.5e3],
  map: "tsne",
  compare: "vae-32-64-l16-mnist",
  frame: 17,
};

describe("the drawing's packing", () => {
  it("gives back every byte, for strokes, blanks, solid and noisy images", () => {
    const r = rng(1);
    const images = [
      drawing,
      new Uint8Array(IMAGE_PIXELS),
      new Uint8Array(IMAGE_PIXELS).fill(255),
      Uint8Array.from({ length: IMAGE_PIXELS }, () => Math.floor(r() * 256)),
      Uint8Array.from({ length: IMAGE_PIXELS }, (_, i) => (i % 3 === 0 ? 0 : 200)),
      Uint8Array.from({ length: IMAGE_PIXELS }, () => (r() < 0.2 ? Math.floor(r() * 256) : 0)),
    ];
    for (const px of images) expect(unpackPixels(packPixels(px))).toEqual(px);
  });

  it("packs a stroke into a few hundred characters and a blank into a few", () => {
    const text = packPixels(drawing);
    expect(text.length).toBeLessThan(400);
    expect(packPixels(new Uint8Array(IMAGE_PIXELS)).length).toBeLessThan(16);
    // The worst case (no zero anywhere) stays bounded: 784 bytes and 7 headers in base64url.
    expect(packPixels(new Uint8Array(IMAGE_PIXELS).fill(9)).length).toBeLessThanOrEqual(1 + Math.ceil(((IMAGE_PIXELS + 7) * 4) / 3));
  });

  it("refuses anything that is not exactly 784 pixels", () => {
    const text = packPixels(drawing);
    for (const bad of ["", "r", "x" + text.slice(1), text.slice(0, -4), text + "AAAA", "r!!!!", "r" + "_".repeat(50), "rA"]) expect(unpackPixels(bad)).toBeNull();
  });

  it("reads pixels in 0..1 as bytes, non-finite as 0", () => {
    expect(Array.from(toBytes([0, 1, 0.5, -2, 7, NaN, 1 / 255]))).toEqual([0, 255, 128, 0, 255, 0, 1]);
  });
});

describe("encodeLink / decodeLink", () => {
  it("round-trips every part exactly (slider values to the last bit)", () => {
    const text = encodeLink(full);
    expect(text).toMatch(/^model=ae-8-l8-mnist-20250101-120000-a1b2c3&tab=compare&draw=r[\w-]+&z=[-\d.e,]+&map=tsne&vs=vae-32-64-l16-mnist&frame=17$/);
    const back = decodeLink(`#${text}`);
    expect(back.dropped).toEqual([]);
    expect(back.view).toEqual(full);
    expect(decodeLink(encodeLink({ input: { kind: "sample", dataset: "fashion-mnist", index: 9999 } })).view.input).toEqual({ kind: "sample", dataset: "fashion-mnist", index: 9999 });
  });

  it("leaves defaults out and reads an empty fragment as nothing", () => {
    expect(encodeLink({ model: "m1", tab: "explore", map: "pca" })).toBe("model=m1");
    expect(decodeLink("")).toEqual({ view: {}, dropped: [] });
    expect(decodeLink("#")).toEqual({ view: {}, dropped: [] });
  });

  it("drops each unreadable part by name and keeps the rest", () => {
    const r = decodeLink("#model=m1&tab=settings&test=mnist:-3&draw=rAAAA&z=1,two,3&map=pca3d&vs=../etc&frame=-1&later=ok&junk");
    expect(r.view).toEqual({ model: "m1" });
    expect(r.dropped).toHaveLength(7);
    expect(r.dropped.join(" ")).toMatch(/tab.*test image.*drawing.*slider.*map.*Compare.*frame/);
    expect(decodeLink(`#z=${MAX_LATENT_ABS * 2}`).dropped).toEqual(["its slider values (out of range)"]);
    expect(decodeLink(`#z=${Array(65).fill(0).join(",")}`).dropped).toEqual(["its slider values"]);
    expect(decodeLink("#model=%E0%A4%A").dropped).toEqual(["its model (unreadable)"]);
    expect(decodeLink(`#model=${"a".repeat(9000)}`)).toEqual({ view: {}, dropped: ["the whole link (too long)"] });
  });

  it("never throws on garbage and returns only well-formed parts (fuzzed)", () => {
    const r = rng(42);
    const valid = encodeLink(full);
    const alphabet = "abcmodeltabzmpvsfrw=&,:.-_%#0123456789eE+~!'()*éあ\u0000\uD800";
    const pick = (s: string) => s[Math.floor(r() * s.length)]!;
    const cases: string[] = [];
    for (let i = 0; i < 2000; i++) cases.push(Array.from({ length: Math.floor(r() * 80) }, () => pick(alphabet)).join(""));
    for (let i = 0; i < 2000; i++) {
      // A valid link with a few characters changed, cut or repeated.
      const chars = valid.split("");
      for (let k = 0; k < 1 + Math.floor(r() * 4); k++) chars[Math.floor(r() * chars.length)] = pick(alphabet);
      const cut = chars.join("").slice(0, Math.floor(r() * (valid.length + 1)));
      cases.push(r() < 0.2 ? cut + cut : cut);
    }
    const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let drawings = 0;
    for (let i = 0; i < 1000; i++) cases.push(`draw=r${Array.from({ length: Math.floor(r() * 600) }, () => pick(b64)).join("")}`);
    for (const text of cases) {
      if (decodeLink(text).view.input?.kind === "drawing") drawings++;
      const { view, dropped } = decodeLink(text);
      expect(Array.isArray(dropped)).toBe(true);
      if (view.model !== undefined) expect(view.model).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
      if (view.compare !== undefined) expect(view.compare).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
      if (view.tab !== undefined) expect(TABS).toContain(view.tab);
      if (view.map !== undefined) expect(MAP_METHODS).toContain(view.map);
      if (view.frame !== undefined) expect(Number.isInteger(view.frame) && view.frame >= 0).toBe(true);
      if (view.latent !== undefined) {
        expect(view.latent.length).toBeGreaterThan(0);
        expect(view.latent.length).toBeLessThanOrEqual(64);
        expect(view.latent.every((v) => Number.isFinite(v) && Math.abs(v) <= MAX_LATENT_ABS)).toBe(true);
      }
      if (view.input?.kind === "drawing") expect(view.input.pixels).toHaveLength(IMAGE_PIXELS);
      if (view.input?.kind === "sample") expect(Number.isInteger(view.input.index) && view.input.index >= 0).toBe(true);
      // What was read writes back to a link that reads the same.
      expect(decodeLink(encodeLink(view)).view).toEqual(view);
    }
    expect(drawings, "random packings that happen to be 784 pixels").toBeGreaterThan(0);
  });
});

const model = (id: string, dataset: string, latent_dim: number): ModelSummary => ({ id, dataset, spec: { latent_dim } }) as unknown as ModelSummary;
const dataset = (name: string, test_size: number | null): DatasetInfo => ({ name, test_size }) as unknown as DatasetInfo;

describe("checkLink", () => {
  const models = [model("a16", "mnist", 16), model("p2", "mnist", 2), model("f8", "fashion-mnist", 8)];
  const datasets = [dataset("mnist", 10000), dataset("fashion-mnist", null)];
  const fallback = models[0];

  it("keeps a link that fits as it is", () => {
    const view: ViewLink = { model: "p2", tab: "build", input: { kind: "sample", dataset: "mnist", index: 9999 }, latent: [1, 2], map: "latent", compare: "a16" };
    expect(checkLink(view, models, datasets, fallback)).toEqual({ view, dropped: [] });
  });

  it("opens the fallback for a gone model, without the gone model's sliders", () => {
    const r = checkLink({ model: "deleted-1", latent: Array(16).fill(0), map: "umap", tab: "compare" }, models, datasets, fallback);
    expect(r.view).toEqual({ model: "a16", map: "umap", tab: "compare" });
    expect(r.dropped).toEqual(["its model “deleted-1” (no longer here)", "its slider values (for that model)"]);
  });

  it("drops an index out of range, a test image of another dataset, a wrong slider count, a plane of a non-2-D code, a gone Compare model", () => {
    const r = checkLink({ model: "a16", input: { kind: "sample", dataset: "mnist", index: 10000 }, latent: [1, 2], map: "latent", compare: "zzz" }, models, datasets, fallback);
    expect(r.view).toEqual({ model: "a16" });
    expect(r.dropped).toHaveLength(4);
    expect(checkLink({ model: "f8", input: { kind: "sample", dataset: "mnist", index: 1 } }, models, datasets, fallback).dropped[0]).toMatch(/from mnist, the model reads fashion-mnist/);
    // A dataset whose size is not known yet: the index is tried (the service answers what it has).
    expect(checkLink({ model: "f8", input: { kind: "sample", dataset: "fashion-mnist", index: 123456 } }, models, datasets, fallback).dropped).toEqual([]);
    expect(droppedNotice(["its tab", "its map"])).toBe("This link could not be restored in full: dropped its tab; its map. Showing the rest.");
  });

  it("with no model at all, keeps nothing", () => {
    expect(checkLink({ tab: "build" }, [], [], undefined)).toEqual({ view: {}, dropped: [] });
  });
});
