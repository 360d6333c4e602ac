import { describe, expect, it } from "vitest";
import { SPEC_BOUNDS, SPEC_OPTIONS } from "../api/generated/spec";
import { corruptionMax, kernelOptions, rangeHint, specOptions } from "./spec";

describe("the builder's view of the spec", () => {
  it("offers every choice of the schema, in its order, with a label", () => {
    expect(specOptions("variant").map((o) => o.value)).toEqual([...SPEC_OPTIONS.variant]);
    expect(specOptions("downsample")).toEqual([
      { value: "maxpool", label: "max-pool 2×2" },
      { value: "stride", label: "stride 2" },
    ]);
    expect(specOptions("activation").map((o) => o.label)).toEqual([...SPEC_OPTIONS.activation]); // plain enough as they are
    expect(kernelOptions().map((o) => o.label)).toEqual(SPEC_OPTIONS.kernel.map((k) => `${k}×${k}`));
  });

  it("writes ranges as hints", () => {
    expect(rangeHint({ min: 1, max: 64, exclusiveMin: false, integer: true })).toBe("1 … 64");
    expect(rangeHint({ min: 0, max: 1, exclusiveMin: true, integer: false }, "lr")).toBe("0 < lr ≤ 1");
    expect(rangeHint({ min: 0, max: 2147483647, exclusiveMin: false, integer: true })).toBe("0 … 2³¹−1");
  });

  it("caps a mask below the schema's bound on the noise level", () => {
    expect(corruptionMax("gaussian")).toBe(SPEC_BOUNDS.corruption_level.max);
    expect(corruptionMax("mask")).toBeLessThan(SPEC_BOUNDS.corruption_level.max);
  });
});
