import { describe, expect, it } from "vitest";
import type { LatentMap } from "../../api/types";
import { axisNames, inputPoint, mapTabs, progressText, serverPlaced } from "./mapview";

const map = (method: LatentMap["method"], extra: Partial<LatentMap> = {}): LatentMap => ({
  method,
  count: 2,
  points: [
    [0, 0],
    [1, 1],
  ],
  labels: [0, 1],
  explained_variance: [],
  mean: [],
  components: [],
  seconds: 0.1,
  ...extra,
});

describe("mapTabs", () => {
  it("offers PCA, t-SNE and UMAP, and the latent plane only to a 2-D model", () => {
    expect(mapTabs(16).map((t) => t.label)).toEqual(["PCA", "t-SNE", "UMAP"]);
    expect(mapTabs(2).map((t) => t.method)).toEqual(["pca", "tsne", "umap", "latent"]);
    expect(mapTabs(undefined)).toHaveLength(3);
    for (const t of mapTabs(2)) expect(t.explain.length).toBeGreaterThan(20);
  });

  it("knows which maps the server places the input on, and names their axes", () => {
    expect(["pca", "tsne", "umap", "latent"].filter((m) => serverPlaced(m as LatentMap["method"]))).toEqual(["tsne", "umap"]);
    expect(axisNames("pca")).toEqual(["PC1", "PC2"]);
    expect(axisNames("tsne")).toEqual(["t-SNE 1", "t-SNE 2"]);
    expect(axisNames("latent")).toEqual(["z0", "z1"]); // as the sliders name them
  });
});

describe("inputPoint", () => {
  const none = { explore: null, decode: null };

  it("places PCA and the latent plane from the map's mean and components", () => {
    const pca = map("pca", { mean: [1, 1, 1], components: [[1, 0, 0], [0, 0, 2]] });
    expect(inputPoint(pca, [2, 5, 3], none, false)).toEqual([1, 4]);
    expect(inputPoint(pca, [2, 5], none, false)).toBeNull(); // another model's latent
    const plane = map("latent", { mean: [0, 0], components: [[1, 0], [0, 1]] });
    expect(inputPoint(plane, [0.5, -2], none, false)).toEqual([0.5, -2]);
  });

  it("takes t-SNE and UMAP positions from the newest answer: the decode's while the sliders are moved", () => {
    const positions = { explore: { tsne: [3, 4], umap: [5, 6] }, decode: { tsne: [7, 8] } };
    expect(inputPoint(map("tsne"), [0, 0], positions, false)).toEqual([3, 4]);
    expect(inputPoint(map("tsne"), [0, 0], positions, true)).toEqual([7, 8]);
    expect(inputPoint(map("umap"), [0, 0], positions, false)).toEqual([5, 6]);
    expect(inputPoint(map("umap"), [0, 0], positions, true)).toBeNull(); // not placed yet
    expect(inputPoint(map("tsne"), [0, 0], { explore: { tsne: [Number.NaN, 1] }, decode: null }, false)).toBeNull();
    expect(inputPoint(null, [0, 0], positions, false)).toBeNull();
    expect(inputPoint(map("tsne"), null, positions, false)).toBeNull();
  });
});

describe("progressText", () => {
  it("names the map, the stage and the percentage", () => {
    expect(progressText("tsne", "optimisation", 0.423)).toBe("t-SNE: optimisation, 42%");
    expect(progressText("umap", "queued", 0)).toBe("UMAP: waiting for another map to finish, 0%");
    expect(progressText("umap", "layout", 1.5)).toBe("UMAP: layout, 100%");
  });
});
