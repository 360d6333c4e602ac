// The link session against fakes: a link opens its view in order (input, model, sliders, map, Compare
// pair, tab) with a notice for what was dropped, and the URL follows the store once
// it is still for 300 ms (at least every second).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IMAGE_PIXELS } from "../../api/generated/spec";
import type { ModelSummary } from "../../api/types";
import { catalogStore } from "../slices/catalog";
import { compareStore } from "../slices/compare";
import { exploreStore } from "../slices/explore";
import { mapsStore } from "../slices/maps";
import { modelStore } from "../slices/model";
import { pageStore } from "../slices/page";
import { decodeLink, encodeLink } from "../url";
import type { CompareSession } from "./compare";
import type { ExploreSession } from "./explore";
import { LinkSession, type Address } from "./link";
import type { LabClient } from "./notify";

const model = (id: string, latent_dim: number): ModelSummary => ({ id, dataset: "mnist", spec: { latent_dim } }) as unknown as ModelSummary;

function fakeAddress(initial = "") {
  let fragment = initial;
  let onChange: (() => void) | null = null;
  const writes: string[] = [];
  const address: Address = {
    read: () => fragment,
    write: (f) => {
      fragment = f;
      writes.push(f);
    },
    href: () => `http://lab/#${fragment}`,
    listen: (cb) => {
      onChange = cb;
      return () => (onChange = null);
    },
  };
  return { address, writes, edit: (f: string) => ((fragment = f), onChange?.()) };
}

/** An explore session that records what it was asked, in order, and writes the slices as the real one. */
function fakeSessions() {
  const calls: string[] = [];
  const explore = {
    showLinked: (image: Float32Array, source: { kind: string }) => {
      calls.push(`input ${source.kind} ${image.length}`);
      exploreStore.set({ input: image, inputSource: source as never });
    },
    selectModel: async (id: string) => {
      calls.push(`model ${id}`);
      modelStore.set({ id });
    },
    fillWalkEnds: async () => undefined,
    setLatent: (latent: number[]) => {
      calls.push(`sliders ${latent.join(",")}`);
      exploreStore.set({ latent, decoded: { requestId: -1, latent, reconstruction: new Float32Array(0), layers: [] } });
    },
    resetLatent: () => calls.push("reset sliders"),
    maps: { select: (m: string) => (calls.push(`map ${m}`), mapsStore.set({ method: m as never })) },
  } as unknown as ExploreSession;
  const compare = { prefer: (id: string) => (calls.push(`compare ${id}`), compareStore.set({ id })) } as unknown as CompareSession;
  const client = {
    samples: async (_d: string, q: { offset: number }) => ({ items: q.offset < 100 ? [{ index: q.offset, label: 3, image: new Array(IMAGE_PIXELS).fill(7) }] : [] }),
  } as unknown as LabClient;
  return { calls, explore, compare, client };
}

beforeEach(() => {
  for (const s of [catalogStore, compareStore, exploreStore, mapsStore, modelStore, pageStore]) s.reset();
  catalogStore.set({ models: [model("a16", 16), model("p2", 2)], datasets: [{ name: "mnist", test_size: 100 } as never] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("LinkSession", () => {
  it("opens a link's view in order: input, model, sliders, map, Compare pair, tab", async () => {
    const pixels = new Uint8Array(IMAGE_PIXELS).fill(0);
    pixels[400] = 255;
    const { address } = fakeAddress(`#${encodeLink({ model: "p2", tab: "compare", input: { kind: "drawing", pixels }, latent: [0.5, -1.25], map: "latent", compare: "a16" })}`);
    const { calls, explore, compare, client } = fakeSessions();
    const link = new LinkSession(client, explore, compare, address);
    await link.restore(link.read(), model("a16", 16));
    expect(calls).toEqual([`input drawing ${IMAGE_PIXELS}`, "model p2", "sliders 0.5,-1.25", "map latent", "compare a16"]);
    expect(exploreStore.get().input![400]).toBe(1);
    expect(pageStore.get().tab).toBe("compare");
    expect(pageStore.get().notice).toBeNull();
  });

  it("opens the default model for a gone one, drops what no longer fits and says so in a warning", async () => {
    const { address } = fakeAddress("#model=gone-7&test=mnist:150&z=1,2&map=hexbin");
    const { calls, explore, compare, client } = fakeSessions();
    const link = new LinkSession(client, explore, compare, address);
    await link.restore(link.read(), model("a16", 16));
    expect(calls).toEqual(["model a16"]);
    const notice = pageStore.get().notice!;
    expect(notice.kind).toBe("warning");
    for (const part of ["map “hexbin”", "model “gone-7”", "slider values", "test image #150"]) expect(notice.text).toContain(part);
  });

  it("drops a test image the service does not have (an unknown dataset size) with the notice", async () => {
    catalogStore.set({ datasets: [] });
    const { address } = fakeAddress("#model=a16&test=mnist:5000");
    const { calls, explore, compare, client } = fakeSessions();
    const link = new LinkSession(client, explore, compare, address);
    await link.restore(link.read(), undefined);
    expect(calls).toEqual(["model a16"]);
    expect(pageStore.get().notice?.text).toContain("test image #5000 (not found)");
  });

  it("follows the view once it is still for 300 ms, and at least every second while it keeps changing", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const { address, writes } = fakeAddress();
    const { explore, compare, client } = fakeSessions();
    const link = new LinkSession(client, explore, compare, address);
    modelStore.set({ id: "a16" });
    exploreStore.set({ inputSource: { kind: "sample", dataset: "mnist", index: 3, label: 1 } });
    link.follow();
    await vi.advanceTimersByTimeAsync(299);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual(["model=a16&test=mnist:3"]);
    // A slider dragged for 3 s, a change every 16 ms: a write a second into it and another a second later
    // (not one per 300 ms, nor one per frame).
    for (let t = 0; t < 188; t++) {
      explore.setLatent([t / 10, ...Array(15).fill(0)]);
      await vi.advanceTimersByTimeAsync(16);
    }
    expect(writes.length - 1).toBe(2);
    expect(decodeLink(writes.at(-1)!).view.latent?.[0]).toBeLessThan(18.7);
    await vi.advanceTimersByTimeAsync(300); // the drag stopped: its newest code is written
    expect(writes.length - 1).toBe(3);
    expect(decodeLink(writes.at(-1)!).view.latent?.[0]).toBe(18.7);
    pageStore.set({ tab: "build" });
    expect(link.href()).toContain("tab=build"); // Copy link writes the newest view at once
    link.dispose();
    mapsStore.set({ method: "umap" });
    await vi.advanceTimersByTimeAsync(1000);
    expect(writes.at(-1)).not.toContain("umap");
  });

  it("opens a fragment edited by hand in the same tab", async () => {
    const { address, edit } = fakeAddress("#model=a16");
    const { calls, explore, compare, client } = fakeSessions();
    const link = new LinkSession(client, explore, compare, address);
    await link.restore(link.read(), undefined);
    link.follow();
    edit("#model=a16&test=mnist:7&map=umap");
    await vi.waitFor(() => expect(calls).toContain("map umap"));
    expect(calls).toEqual(["model a16", "input sample 784", "map umap"]);
    link.dispose();
  });
});
