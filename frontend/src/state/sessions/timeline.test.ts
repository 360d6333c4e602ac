// The timeline session against a fake REST client: it follows the model, shows frames, plays, takes a link's frame.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import type { TimelineFrame } from "../../api/types";
import { bytesToBase64 } from "../../lib/viz/tensor8";
import { modelStore } from "../slices/model";
import { timelineStore } from "../slices/timeline";
import type { LabClient } from "./notify";
import { TimelineSession } from "./timeline";

const N = 5;
const infos = Array.from({ length: N }, (_, i) => ({ index: i, step: i * i, epoch: i ? 1 : 0, loss: i ? 1 / i : null }));

function frame(index: number): TimelineFrame {
  const batch = (v: number) => ({ count: 2, height: 28, width: 28, data: bytesToBase64(new Uint8Array(2 * 784).fill(v)) });
  const tensor = { shape: [1, 1, 3], lo: [0], hi: [1], data: bytesToBase64(Uint8Array.from([0, 128, 255])) };
  return {
    ...infos[index]!,
    inputs: batch(200),
    reconstructions: batch(index * 40),
    activations: [{ name: "dec_dense", part: "decoder", kind: "dense", tensor }],
    map: { x: [0, 1], y: [1, 0], labels: [3, 4], indices: [0, 9] },
  };
}

function fakeClient(has = true) {
  const timelineFrame = vi.fn(async (_id: string, index: number) => frame(index));
  const timeline = vi.fn(async (id: string) => {
    if (!has) throw new ApiError(404, `model ${id} has no training timeline`);
    return { frames: infos, probes: 2, points: 2, complete: true };
  });
  return { client: { timeline, timelineFrame } as unknown as LabClient, timeline, timelineFrame };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  modelStore.reset();
  timelineStore.reset();
});
afterEach(() => vi.useRealTimers());

describe("TimelineSession", () => {
  it("opens on the trained model's last frame and shows the frame the scrubber picks", async () => {
    const { client, timelineFrame } = fakeClient();
    const s = new TimelineSession(client, 1);
    s.follow();
    modelStore.set({ id: "m1" });
    await settle();
    await settle();
    let t = timelineStore.get();
    expect(t.status).toBe("ready");
    expect(t.frames.length).toBe(N);
    expect(t.index).toBe(N - 1);
    expect(t.frame?.step).toBe(16);
    expect(s.frame()).toBeNull(); // not chosen by the user: no frame in the URL
    s.show(2);
    await settle();
    t = timelineStore.get();
    expect(t.frame?.index).toBe(2);
    expect(t.frame?.reconstructions[0]![0]).toBeCloseTo(80 / 255);
    expect(t.frame?.points).toEqual([[0, 1], [1, 0]]);
    expect(s.frame()).toBe(2);
    s.show(99); // clamped
    expect(timelineStore.get().index).toBe(N - 1);
    expect(timelineFrame).toHaveBeenCalledWith("m1", 2);
    s.dispose();
  });

  it("plays from the start to the end, frame by frame", async () => {
    const { client } = fakeClient();
    const s = new TimelineSession(client, 1);
    s.follow();
    modelStore.set({ id: "m1" });
    await vi.waitFor(() => expect(timelineStore.get().frame?.index).toBe(N - 1));
    const seen: number[] = [];
    const stop = timelineStore.subscribe(() => seen.push(timelineStore.get().index));
    s.play();
    await vi.waitFor(() => expect(timelineStore.get().playing).toBe(false));
    stop();
    expect([...new Set(seen)]).toEqual([0, 1, 2, 3, 4]);
    s.dispose();
  });

  it("keeps a link's frame until the list comes, and says when a model has no timeline", async () => {
    const { client } = fakeClient();
    const s = new TimelineSession(client, 1);
    s.follow();
    modelStore.set({ id: "m1" });
    s.show(1);
    await vi.waitFor(() => expect(timelineStore.get().frame?.index).toBe(1));
    expect(s.frame()).toBe(1);
    s.dispose();

    timelineStore.reset();
    modelStore.reset();
    const none = new TimelineSession(fakeClient(false).client, 1);
    none.follow();
    modelStore.set({ id: "old" });
    await vi.waitFor(() => expect(timelineStore.get().status).toBe("none"));
    expect(timelineStore.get().reason).toMatch(/without a training timeline/);
    none.dispose();
  });
});
