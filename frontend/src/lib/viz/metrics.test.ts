import { describe, expect, it } from "vitest";
import { mse, psnr } from "./metrics";

describe("metrics", () => {
  it("computes MSE and PSNR for 0..1 data", () => {
    expect(mse([0, 1, 0.5, 0.5], [0, 0, 0.5, 1])).toBeCloseTo((1 + 0.25) / 4);
    expect(psnr(0.01)).toBeCloseTo(20);
    expect(psnr(0)).toBe(Infinity);
    expect(() => mse([], [])).toThrow();
  });
});
