import { describe, expect, it } from "vitest";
import { better, sameCorruption, sameImage, stripScale } from "./compare";

describe("better", () => {
  it("marks the higher PSNR or the lower MSE, and nothing on a tie or a missing value", () => {
    expect(better(25, 23, true)).toBe(-1);
    expect(better(23, 25, true)).toBe(1);
    expect(better(0.003, 0.005, false)).toBe(-1);
    expect(better(Infinity, 30, true)).toBe(-1);
    expect(better(1, 1, true)).toBe(0);
    expect(better(null, 1, true)).toBe(0);
    expect(better(NaN, 1, false)).toBe(0);
  });
});

describe("sameImage", () => {
  it("compares values, not arrays, across number[] and Float32Array", () => {
    expect(sameImage(Float32Array.from([0.1, 0.5]), [0.1, 0.5])).toBe(true);
    expect(sameImage(Float32Array.from([0.1, 0.5]), [0.1, 0.6])).toBe(false);
    expect(sameImage([0], [0, 0])).toBe(false);
    expect(sameImage(null, [0])).toBe(false);
  });
});

describe("stripScale", () => {
  it("fits the largest |z|, with a VAE's sigma on top", () => {
    expect(stripScale([1, -3, 2], null)).toBe(3);
    expect(stripScale([1, -3], [2, 0.5])).toBe(3.5);
    expect(stripScale([0, 0], null)).toBeGreaterThan(0);
  });
});

describe("sameCorruption", () => {
  it("matches no noise with no noise, and noise by kind, level and seed", () => {
    expect(sameCorruption(null, undefined)).toBe(true);
    expect(sameCorruption(null, { kind: "mask", level: 0.3, seed: 0 })).toBe(false);
    expect(sameCorruption({ kind: "gaussian", level: 0.3, seed: 0 }, { kind: "gaussian", level: 0.3 } as never)).toBe(true);
    expect(sameCorruption({ kind: "gaussian", level: 0.3, seed: 0 }, { kind: "gaussian", level: 0.3, seed: 1 })).toBe(false);
    expect(sameCorruption({ kind: "gaussian", level: 0.3, seed: 0 }, { kind: "mask", level: 0.3, seed: 0 })).toBe(false);
  });
});
