// Sessions against a fake REST client: what they ask the service and what they write into the slices.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import type { LatentMap, MapMethod, PlacedMap } from "../../api/types";
import { bytesToBase64 } from "../../lib/viz/tensor8";
import { draftStore } from "../slices/draft";
import { mapsStore, selectShownMap } from "../slices/maps";
import { modelStore } from "../slices/model";
import { DraftSession } from "./draft";
import { MapsSession } from "./maps";
import type { LabClient } from "./notify";

const map = (method: MapMethod): LatentMap => ({
  method,
  count: 3,
  points: [[-1, -1], [1, 1], [0, 0.5]],
  labels: [0, 1, 2],
  explained_variance: [],
  mean: [0, 0],
  components: [[1, 0], [0, 1]],
  seconds: 0.1,
});

beforeEach(() => {
  for (const s of [draftStore, mapsStore, modelStore]) s.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("DraftSession", () => {
  it("checks each change with the service once the edits pause, and keys a 422's errors by field", async () => {
    vi.useFakeTimers();
    const validateSpec = vi.fn(async (spec: { latent_dim: number }) => {
      if (spec.latent_dim < 1) throw new ApiError(422, [{ loc: ["body", "latent_dim"], msg: "too small", type: "x" }]);
      return { valid: true, layers: [], params: 1, forward_flops: 1, train_flops: 1, summary: "" };
    });
    const draft = new DraftSession({ validateSpec } as unknown as LabClient);
    draft.setField("latent_dim", 0);
    draft.setField("latent_dim", 3);
    expect(draftStore.get().validation.status).toBe("checking");
    await vi.runAllTimersAsync();
    expect(validateSpec).toHaveBeenCalledTimes(1); // the newest draft only
    expect(draftStore.get().spec.latent_dim).toBe(3);
    expect(draftStore.get().validation.status).toBe("valid");
    draft.setField("latent_dim", 0);
    await vi.runAllTimersAsync();
    expect(draftStore.get().validation).toMatchObject({ status: "invalid", errors: { latent_dim: "too small" } });
  });

  it("adds a block as wide as the last and removes blocks by index", () => {
    const draft = new DraftSession({ validateSpec: async () => new Promise(() => undefined) } as unknown as LabClient);
    draft.setBlock(1, { filters: 48 });
    draft.addBlock();
    draft.removeBlock(0);
    expect(draftStore.get().spec.blocks.map((b) => b.filters)).toEqual([48, 48]);
    draft.dispose();
  });
});

describe("MapsSession", () => {
  const grid = { images: { count: 144, height: 1, width: 1, data: bytesToBase64(new Uint8Array(144)) }, dims: [0, 1], values: [[0], [0]] };

  function session() {
    const asked: string[] = [];
    const placed: PlacedMap[][] = [];
    const client = {
      latentMap: async (id: string, method: MapMethod) => (asked.push(`${id} ${method}`), map(method)),
      traverse: async (id: string, body: { steps: number }) => (asked.push(`${id} traverse ${body.steps}`), grid),
    } as unknown as LabClient;
    return { maps: new MapsSession(client, (m) => placed.push(m)), asked, placed };
  }

  it("loads PCA, then the latent plane with its decoded grid, and back", async () => {
    const { maps, asked, placed } = session();
    modelStore.set({ id: "m" });
    maps.open();
    maps.loadPca();
    expect(mapsStore.get().pca.status).toBe("loading");
    await vi.waitFor(() => expect(mapsStore.get().pca.status).toBe("ready"));
    maps.select("latent");
    await vi.waitFor(() => expect(mapsStore.get().planeGrid.grid?.images).toHaveLength(144));
    expect(selectShownMap(mapsStore.get())?.method).toBe("latent");
    expect(asked).toEqual(["m pca", "m latent", "m traverse 12"]);
    maps.showPlaneGrid(false);
    expect(mapsStore.get().planeGrid.show).toBe(false);
    maps.select("pca");
    expect(mapsStore.get().other).toBeNull();
    expect(selectShownMap(mapsStore.get())?.method).toBe("pca");
    expect(placed.at(-1)).toEqual([]); // no server-placed map any more
  });

  it("drops an answer for a model no longer explored", async () => {
    const { maps } = session();
    modelStore.set({ id: "m" });
    maps.open();
    maps.loadPca();
    maps.open(); // another model before the answer came
    await new Promise((r) => setTimeout(r, 0));
    expect(mapsStore.get().pca.status).toBe("idle");
  });
});
