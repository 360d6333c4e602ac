import { describe, expect, it } from "vitest";
import { count, duration, flops, num, shape, shapeFlow, specLine } from "./format";
import type { ModelSpec } from "../api/types";
import { defaultSpec } from "../state/slices/draft";

// The default spec (AE-32-64-L16) is the fixture: one definition, in the store.
const spec: ModelSpec = defaultSpec();

describe("format", () => {
  it("counts", () => {
    expect(count(1234)).toBe("1,234");
    expect(count(1234567, true)).toBe("1.23 M");
    expect(count(12345, true)).toBe("12.3 k");
    expect(count(NaN)).toBe("–");
  });

  it("formats numbers", () => {
    expect(num(0.123456)).toBe("0.123");
    expect(num(12.3456)).toBe("12.3");
    expect(num(0)).toBe("0");
    expect(num(0.00001234)).toBe("1.23e-5");
    expect(num(null)).toBe("–");
    expect(num(Infinity)).toBe("∞");
  });

  it("formats FLOPs", () => {
    expect(flops(451584)).toBe("452 kFLOPs");
    expect(flops(19_170_000)).toBe("19.2 MFLOPs");
    expect(flops(57e9)).toBe("57 GFLOPs");
    expect(flops(12)).toBe("12 FLOPs");
  });

  it("formats durations", () => {
    expect(duration(42.4)).toBe("42 s");
    expect(duration(185)).toBe("3 min 5 s");
    expect(duration(3720)).toBe("1 h 2 min");
    expect(duration(null)).toBe("–");
  });

  it("describes a spec and a shape flow", () => {
    expect(specLine(spec)).toBe("conv 32 → pool → conv 64 → pool → 16");
    expect(specLine({ ...spec, downsample: "stride", blocks: [{ filters: 8, kernel: 5 }] })).toBe("conv 8 (5×5) s2 → 16");
    expect(shape([14, 14, 32])).toBe("14×14×32");
    expect(
      shapeFlow([
        { name: "enc_conv1", part: "encoder", kind: "conv", shape: [28, 28, 4], params: 40, flops: 1, activation: "relu", kernel: 3, stride: 1 },
      ]),
    ).toBe("28×28×1 → 28×28×4");
  });
});
