import { describe, expect, it } from "vitest";
import { columnHeight, fitCell, type FitInput } from "./layout";

const base: FitInput = { channels: [32, 32, 64, 64], width: 290, height: 10_000, labelPx: 18, gapPx: 1, minCell: 12, maxCell: 28 };

describe("fitCell", () => {
  it("counts rows per layer", () => {
    // 28 px cells: 10 per row in 290 px -> 4 + 4 + 7 + 7 rows of 29 px, plus 4 labels.
    expect(columnHeight(base, 28)).toBe(22 * 29 + 4 * 18);
  });

  it("uses the largest cells when there is room", () => {
    expect(fitCell(base)).toBe(28);
  });

  it("shrinks the cells to fit the height", () => {
    const cell = fitCell({ ...base, height: 500 });
    expect(columnHeight({ ...base, height: 500 }, cell)).toBeLessThanOrEqual(500);
    expect(columnHeight({ ...base, height: 500 }, cell + 1)).toBeGreaterThan(500);
  });

  it("steps through whole-pixel sizes", () => {
    const f = { ...base, maxCell: 56, minCell: 14, step: 7, height: 500 };
    const cell = fitCell(f);
    expect(cell % 7).toBe(0);
    expect(columnHeight(f, cell)).toBeLessThanOrEqual(500);
    expect(columnHeight(f, cell + 7)).toBeGreaterThan(500);
  });

  it("never goes below the minimum", () => {
    expect(fitCell({ ...base, height: 10 })).toBe(12);
  });
});
