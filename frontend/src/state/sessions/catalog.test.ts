// The catalog session against a fake REST client: usable models and unavailable ones go to their own lists.
import { beforeEach, describe, expect, it } from "vitest";
import type { ModelSummary, UnavailableModel } from "../../api/types";
import { catalogStore } from "../slices/catalog";
import { CatalogSession } from "./catalog";
import type { LabClient } from "./notify";

const usable = { id: "ae-ok", title: "AE", available: true, pretrained: false } as ModelSummary;
const broken: UnavailableModel = {
  id: "ae-broken",
  title: "AE-8-L8 · MNIST",
  pretrained: false,
  created: "2026-01-01T00:00:00Z",
  available: false,
  problem: "weights.safetensors is missing",
};

beforeEach(() => catalogStore.reset());

describe("CatalogSession", () => {
  it("keeps unavailable models out of the models that can be explored, with their problem", async () => {
    const catalog = new CatalogSession({ models: async () => [usable, broken] } as unknown as LabClient);
    await catalog.refresh();
    expect(catalogStore.get().models.map((m) => m.id)).toEqual(["ae-ok"]);
    expect(catalogStore.get().unavailable).toEqual([broken]);
    expect(catalogStore.get().modelsLoaded).toBe(true);
  });

  it("treats a summary without the field (an older service) as usable", async () => {
    const { available: _, ...old } = usable;
    const catalog = new CatalogSession({ models: async () => [old] } as unknown as LabClient);
    await catalog.refresh();
    expect(catalogStore.get().models).toHaveLength(1);
    expect(catalogStore.get().unavailable).toEqual([]);
  });
});
