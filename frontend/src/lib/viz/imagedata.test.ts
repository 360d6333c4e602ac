import { describe, expect, it } from "vitest";
import { changedFraction, difference, toRgba } from "./imagedata";
import { lut } from "./colormap";

describe("toRgba", () => {
  it("colours values over [lo, hi] at native size", () => {
    const img = toRgba([0, 0.5, 1, 2], 2, 2, 0, 1, lut("ink"));
    expect(img.width).toBe(2);
    expect(img.height).toBe(2);
    expect(Array.from(img.data)).toEqual([255, 255, 255, 255, 127, 127, 127, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
  });

  it("reads from an offset (one channel of a C-major tensor)", () => {
    const img = toRgba([9, 9, 0, 1], 2, 1, 0, 1, lut("viridis"), 2);
    expect(Array.from(img.data.slice(0, 3))).toEqual([68, 1, 84]);
    expect(Array.from(img.data.slice(4, 7))).toEqual([253, 231, 37]);
  });
});

describe("difference and changedFraction", () => {
  it("subtracts element-wise", () => {
    expect(Array.from(difference([1, 0.5], [0.25, 0.5]))).toEqual([0.75, 0]);
    expect(() => difference([1], [1, 2])).toThrow();
  });

  it("counts changed pixels", () => {
    const a = new Uint8ClampedArray([0, 0, 0, 255, 10, 10, 10, 255]);
    const b = new Uint8ClampedArray([0, 0, 0, 255, 10, 30, 10, 255]);
    expect(changedFraction(a, b)).toBe(0.5);
    expect(changedFraction(a, b, 25)).toBe(0);
  });
});
