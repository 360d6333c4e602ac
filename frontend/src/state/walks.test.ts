import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "../lib/viz/tensor8";
import { interpolate, priorSamples, traverse, type WalksClient } from "./walks";

const batch = (count: number) => ({ count, height: 1, width: 2, data: bytesToBase64(new Uint8Array(2 * count).fill(255)) });

/** A client that records what it was asked and answers `count` white 1 x 2 images. */
function fakeClient() {
  const asked: unknown[] = [];
  const client = {
    interpolate: async (id: string, body: { steps: number }, signal?: AbortSignal) => {
      asked.push(["interpolate", id, body, signal]);
      return { images: batch(body.steps), path: "spherical", latents: [] };
    },
    traverse: async (id: string, body: { dims: number[]; steps: number }) => {
      asked.push(["traverse", id, body]);
      return { images: batch(body.steps ** body.dims.length), dims: body.dims, values: body.dims.map(() => [-1, 0, 1]) };
    },
    priorSamples: async (id: string, body: { count: number }) => {
      asked.push(["samples", id, body]);
      return { images: batch(body.count) };
    },
  } as unknown as WalksClient;
  return { client, asked };
}

describe("latent walks", () => {
  it("interpolates between two images' codes and decodes the strip", async () => {
    const { client, asked } = fakeClient();
    const signal = new AbortController().signal;
    const r = await interpolate(client, "m1", { a: Float32Array.of(0, 1), b: Float32Array.of(1, 0) }, 3, "spherical", signal);
    expect(asked).toEqual([["interpolate", "m1", { a: [0, 1], b: [1, 0], steps: 3, path: "spherical" }, signal]]);
    expect(r.images).toHaveLength(3);
    expect(Array.from(r.images[0]!)).toEqual([1, 1]);
    expect(r.path).toBe("spherical");
  });

  it("traverses with the service's span unless one is given", async () => {
    const { client, asked } = fakeClient();
    const r = await traverse(client, "m1", { latent: [0, 0], dims: [0, 1], steps: 3 });
    await traverse(client, "m1", { latent: [0, 0], dims: [1], steps: 3, span: 2.5 });
    expect(asked).toEqual([
      ["traverse", "m1", { latent: [0, 0], dims: [0, 1], steps: 3 }],
      ["traverse", "m1", { latent: [0, 0], dims: [1], steps: 3, span: 2.5 }],
    ]);
    expect(r.images).toHaveLength(9);
    expect(r.dims).toEqual([0, 1]);
    expect(r.values).toEqual([[-1, 0, 1], [-1, 0, 1]]);
  });

  it("decodes prior samples", async () => {
    const { client, asked } = fakeClient();
    const r = await priorSamples(client, "m2", 4, 7);
    expect(asked).toEqual([["samples", "m2", { count: 4, seed: 7 }]]);
    expect(r.images).toHaveLength(4);
  });
});
