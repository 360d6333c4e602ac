import { describe, expect, it } from "vitest";
import { atlasColumns, columnHeight, fitCell, type FitInput } from "./layout";

const base: FitInput = {
  layers: [
    { channels: 32, side: 28 },
    { channels: 32, side: 14 },
    { channels: 64, side: 14 },
    { channels: 64, side: 7 },
  ],
  width: 290,
  height: 10_000,
  labelPx: 18,
  minCell: 14,
  maxCell: 56,
  step: 7,
};

describe("layout of a column of layer atlases", () => {
  it("fits columns with a one-native-pixel gap", () => {
    // 28 px cells: a 28x28 map has a 1 px gap (pitch 29), a 7x7 map a 4 px gap (pitch 32).
    expect(atlasColumns(290, 28, 28)).toBe(10);
    expect(atlasColumns(290, 28, 7)).toBe(9);
  });

  it("counts rows per layer", () => {
    // 28 px: 10, 9, 9, 9 columns -> 4, 4, 8, 8 rows; pitches 29, 30, 30, 32 minus one gap each.
    const expected = 4 * 18 + (4 * 29 - 1) + (4 * 30 - 2) + (8 * 30 - 2) + (8 * 32 - 4);
    expect(columnHeight(base, 28)).toBeCloseTo(expected, 6);
  });

  it("uses the largest cells when there is room", () => {
    expect(fitCell(base)).toBe(56);
  });

  it("shrinks the cells in whole-pixel steps to fit the height", () => {
    const f = { ...base, height: 600 };
    const cell = fitCell(f);
    expect(cell % 7).toBe(0);
    expect(columnHeight(f, cell)).toBeLessThanOrEqual(600);
    expect(columnHeight(f, cell + 7)).toBeGreaterThan(600);
  });

  it("never goes below the minimum", () => {
    expect(fitCell({ ...base, height: 10 })).toBe(14);
  });
});
