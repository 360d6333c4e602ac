// The explore session's slider path against a fake socket: moves and decode answers reach the store
// once per frame, and a reset drops an answer not yet shown.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DecodeAnswer, ExploreAnswer } from "../../api/exploreFrames";
import type { LocalDecoded } from "../../lib/decoder/browserDecoder";
import { exploreStore } from "../slices/explore";
import { mapsStore } from "../slices/maps";
import { modelStore } from "../slices/model";
import type { CompareSession } from "./compare";
import { ExploreSession } from "./explore";
import type { LabClient } from "./notify";

interface Handlers {
  onExplore(r: ExploreAnswer, sent: number[], asked: null): void;
  onDecode(r: DecodeAnswer, sent: number[]): void;
}

// Hoisted above the imports with vi.mock, which replaces the real socket by this one.
const { sockets, FakeSocket } = vi.hoisted(() => {
  const sockets: InstanceType<typeof FakeSocket>[] = [];
  class FakeSocket {
    decoded: number[][] = [];
    corruption = null;
    maps = [];
    layers = null;
    decodeLayers = null;
    ssim = true;
    constructor(
      readonly modelId: string,
      readonly handlers: Handlers,
    ) {
      sockets.push(this);
    }
    decode(latent: ArrayLike<number>) {
      this.decoded.push(Array.from(latent));
    }
    explore() {}
    close() {}
  }
  return { sockets, FakeSocket };
});
vi.mock("../../api/sockets", () => ({ ExploreSocket: FakeSocket }));

const never = () => new Promise<never>(() => undefined);
const pixels = (v: number) => new Float32Array(784).fill(v);

async function opened() {
  const client = { model: never, latentStats: never, samples: never, sample: never, latentMap: never } as unknown as LabClient;
  const session = new ExploreSession(client, { followModelNoise: () => undefined } as unknown as CompareSession);
  exploreStore.set({ inputSource: { kind: "drawing" }, input: pixels(0) });
  void session.selectModel("m");
  const socket = sockets.at(-1)!;
  const explored: ExploreAnswer = { request_id: 1, latent: new Float32Array([0, 0, 0]), reconstruction: pixels(0.5), activations: [], mse: 0.1, psnr: 10, ssim: null } as unknown as ExploreAnswer;
  socket.handlers.onExplore(explored, Array.from(pixels(0)), null);
  return { session, socket };
}

const answer = (id: number, value: number): DecodeAnswer => ({ request_id: id, reconstruction: pixels(value), activations: [] });

beforeEach(() => {
  vi.useFakeTimers();
  for (const s of [exploreStore, mapsStore, modelStore]) s.reset();
  sockets.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("ExploreSession sliders", () => {
  it("applies all moves of one frame in one store update and one decode request", async () => {
    const { session, socket } = await opened();
    const updates = vi.fn();
    const unsubscribe = exploreStore.subscribe(updates);
    session.moveLatent(0, 1);
    session.moveLatent(0, 2);
    session.moveLatent(2, -1);
    expect(socket.decoded).toEqual([]);
    expect(updates).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(20);
    expect(socket.decoded).toEqual([[2, 0, -1]]);
    expect(exploreStore.get().latent).toEqual([2, 0, -1]);
    expect(updates).toHaveBeenCalledTimes(1);
    unsubscribe();
  });

  it("shows a decode answer at the next frame, together with the moves made since", async () => {
    const { session, socket } = await opened();
    session.moveLatent(1, 3);
    await vi.advanceTimersByTimeAsync(20);
    const updates = vi.fn();
    const unsubscribe = exploreStore.subscribe(updates);
    socket.handlers.onDecode(answer(2, 0.25), [0, 3, 0]);
    session.moveLatent(1, 4);
    expect(exploreStore.get().decoded?.requestId).toBe(-1); // not before the frame
    await vi.advanceTimersByTimeAsync(20);
    expect(updates).toHaveBeenCalledTimes(1);
    const s = exploreStore.get();
    expect(s.latent).toEqual([0, 4, 0]);
    expect(s.decoded?.requestId).toBe(2);
    expect(s.decoded?.reconstruction[0]).toBe(0.25);
    expect(socket.decoded).toEqual([[0, 3, 0], [0, 4, 0]]);
    unsubscribe();
  });

  it("drops an answer that arrives after the sliders were reset to the drawing", async () => {
    const { session, socket } = await opened();
    session.moveLatent(0, 1);
    await vi.advanceTimersByTimeAsync(20);
    socket.handlers.onDecode(answer(2, 0.25), [1, 0, 0]);
    session.resetLatent();
    await vi.advanceTimersByTimeAsync(20);
    expect(exploreStore.get().decoded).toBeNull();
    expect(exploreStore.get().latent).toEqual([0, 0, 0]);
  });
});

describe("ExploreSession sliders decoded in the page", () => {
  function withDecoder() {
    const decoder = {
      codes: [] as number[][],
      ready: false,
      onDecoded: null as ((d: LocalDecoded) => void) | null,
      load: vi.fn(),
      readyFor(id: string) {
        return this.ready && id === "m";
      },
      decode(_id: string, latent: number[]) {
        this.codes.push(latent);
      },
      dispose() {},
    };
    const client = { model: never, latentStats: never, samples: never, latentMap: never, decoder: async () => new ArrayBuffer(8) } as unknown as LabClient;
    const session = new ExploreSession(client, { followModelNoise: () => undefined } as unknown as CompareSession, (onDecoded) => {
      decoder.onDecoded = onDecoded;
      return decoder;
    });
    exploreStore.set({ inputSource: { kind: "drawing" }, input: pixels(0) });
    void session.selectModel("m");
    const socket = sockets.at(-1)!;
    socket.handlers.onExplore({ request_id: 1, latent: new Float32Array([0, 0, 0]), reconstruction: pixels(0.5), activations: [], mse: 0.1, psnr: 10, ssim: null } as unknown as ExploreAnswer, Array.from(pixels(0)), null);
    return { session, socket, decoder };
  }
  const layer = (name: string, value: number, c = 1) => ({ name, kind: "conv", tensor: { channels: c, height: 28, width: 28, data: new Float32Array(784 * c).fill(value) } });

  it("fetches the model's decoder and, once loaded, decodes the sliders in the page, not on the service", async () => {
    const { session, socket, decoder } = withDecoder();
    await vi.advanceTimersByTimeAsync(0);
    expect(decoder.load).toHaveBeenCalledWith("m", expect.any(ArrayBuffer));
    session.moveLatent(0, 1); // not loaded yet: the service decodes
    await vi.advanceTimersByTimeAsync(20);
    expect(socket.decoded).toEqual([[1, 0, 0]]);
    decoder.ready = true;
    session.moveLatent(0, 2);
    await vi.advanceTimersByTimeAsync(20);
    expect(decoder.codes).toEqual([[2, 0, 0]]);
    expect(socket.decoded).toEqual([[1, 0, 0]]);
    // The service's late answer for the first code is not shown over the page's.
    socket.handlers.onDecode(answer(2, 0.9), [1, 0, 0]);
    decoder.onDecoded!({ modelId: "m", seq: 1, latent: [2, 0, 0], ms: 4, layers: [layer("dec_tconv1", 3, 2), layer("output", 0.25)] });
    await vi.advanceTimersByTimeAsync(20);
    const s = exploreStore.get().decoded!;
    expect(s.inPage).toBe(true);
    expect(s.reconstruction[0]).toBe(0.25);
    expect(s.layers.map((l) => [l.name, l.part])).toEqual([["dec_tconv1", "decoder"], ["output", "decoder"]]);
  });

  it("sends a drag's first code to the page's decoder at once, then its newest code once per frame", async () => {
    const { session, socket, decoder } = withDecoder();
    decoder.ready = true;
    let now = 1000;
    vi.spyOn(performance, "now").mockImplementation(() => now);
    const updates = vi.fn();
    const unsubscribe = exploreStore.subscribe(updates);
    session.moveLatent(0, 1);
    session.moveLatent(2, -1);
    session.moveLatent(2, -2);
    expect(decoder.codes).toEqual([[1, 0, 0]]); // the first at once; the others wait for the frame
    expect(updates).not.toHaveBeenCalled();
    now += 16;
    await vi.advanceTimersByTimeAsync(20);
    expect(updates).toHaveBeenCalledTimes(1);
    expect(exploreStore.get().latent).toEqual([1, 0, -2]);
    expect(decoder.codes).toEqual([[1, 0, 0], [1, 0, -2]]); // the frame's newest, not each move's
    session.moveLatent(0, 3); // the same drag: waits for its frame
    expect(decoder.codes).toHaveLength(2);
    now += 16;
    await vi.advanceTimersByTimeAsync(20);
    expect(decoder.codes.at(-1)).toEqual([3, 0, -2]);
    await vi.advanceTimersByTimeAsync(20);
    expect(decoder.codes).toHaveLength(3); // no move, nothing sent
    now += 200;
    session.moveLatent(1, 4); // after a pause: at once
    expect(decoder.codes.at(-1)).toEqual([3, 4, -2]);
    expect(socket.decoded).toEqual([]);
    unsubscribe();
  });

  it("shows the service's answer to a code sent before the decoder was loaded", async () => {
    const { session, socket, decoder } = withDecoder();
    session.setLatent([0, 0, 7]);
    expect(socket.decoded).toEqual([[0, 0, 7]]);
    decoder.ready = true; // loaded while the service decodes
    socket.handlers.onDecode(answer(2, 0.5), [0, 0, 7]);
    await vi.advanceTimersByTimeAsync(20);
    expect(exploreStore.get().decoded?.requestId).toBe(2);
    expect(exploreStore.get().decoded?.reconstruction[0]).toBe(0.5);
  });

  it("still asks the service, for positions only, while a t-SNE or UMAP map is shown", async () => {
    const { session, socket, decoder } = withDecoder();
    decoder.ready = true;
    (socket as unknown as { maps: unknown[] }).maps = [{ method: "tsne", version: "v" }];
    session.moveLatent(1, 5);
    await vi.advanceTimersByTimeAsync(20);
    expect(decoder.codes).toEqual([[0, 5, 0]]);
    expect(socket.decoded).toEqual([[0, 5, 0]]);
    expect((socket as unknown as { decodeLayers: string[] | null }).decodeLayers).toEqual([]);
  });

  it("drops a page decoding of another model", async () => {
    const { session, decoder } = withDecoder();
    decoder.ready = true;
    session.moveLatent(0, 1);
    await vi.advanceTimersByTimeAsync(20);
    decoder.onDecoded!({ modelId: "other", seq: 1, latent: [1, 0, 0], ms: 4, layers: [layer("output", 0.75)] });
    await vi.advanceTimersByTimeAsync(20);
    expect(exploreStore.get().decoded?.requestId).toBe(-1);
  });
});
