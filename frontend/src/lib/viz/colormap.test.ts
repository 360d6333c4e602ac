import { describe, expect, it } from "vitest";
import { buildLut, cssGradient, lut, parseColor } from "./colormap";

const rgbAt = (name: Parameters<typeof lut>[0], i: number) => Array.from(lut(name).slice(i * 4, i * 4 + 4));

describe("colour maps", () => {
  it("parses both of d3's colour forms", () => {
    expect(parseColor("#440154")).toEqual([68, 1, 84]);
    expect(parseColor("rgb(5, 48, 97)")).toEqual([5, 48, 97]);
    expect(() => parseColor("red")).toThrow();
  });

  it("viridis runs from dark purple to yellow", () => {
    expect(rgbAt("viridis", 0)).toEqual([68, 1, 84, 255]);
    expect(rgbAt("viridis", 255)).toEqual([253, 231, 37, 255]);
  });

  it("viridis luminance increases monotonically (perceptually ordered)", () => {
    const t = lut("viridis");
    let prev = -1;
    for (let i = 0; i < 256; i += 5) {
      const y = 0.2126 * t[i * 4]! + 0.7152 * t[i * 4 + 1]! + 0.0722 * t[i * 4 + 2]!;
      expect(y).toBeGreaterThan(prev);
      prev = y;
    }
  });

  it("RdBu is red for negative, near white at zero, blue for positive", () => {
    const [r0, , b0] = rgbAt("rdbu", 0);
    const mid = rgbAt("rdbu", 128);
    const [r1, , b1] = rgbAt("rdbu", 255);
    expect(r0!).toBeGreaterThan(b0!);
    expect(b1!).toBeGreaterThan(r1!);
    expect(Math.min(...mid.slice(0, 3))).toBeGreaterThan(235);
  });

  it("ink is white paper at 0 and black at 1", () => {
    expect(rgbAt("ink", 0)).toEqual([255, 255, 255, 255]);
    expect(rgbAt("ink", 255)).toEqual([0, 0, 0, 255]);
  });

  it("caches tables and builds equal ones", () => {
    expect(lut("cividis")).toBe(lut("cividis"));
    expect(buildLut("cividis")).toEqual(lut("cividis"));
  });

  it("makes a CSS gradient for legends", () => {
    expect(cssGradient("viridis", 3)).toBe(
      "linear-gradient(to right, rgb(68,1,84) 0%, rgb(33,145,140) 50%, rgb(253,231,37) 100%)",
    );
  });
});
