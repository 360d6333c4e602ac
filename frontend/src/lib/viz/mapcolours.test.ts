import { describe, expect, it } from "vitest";
import { classColour } from "./mappaint";
import { CHOSEN_COLOUR, classCounts, mapColouring, OTHER_COLOUR } from "./mapcolours";

describe("colouring a map with few or many classes", () => {
  it("gives each of ten classes its own colour, in label order", () => {
    const labels = [3, 1, 1, 0, 9, 3, 3];
    const c = mapColouring(labels);
    expect(c.mode).toBe("classes");
    expect(c.legend.map((e) => e.label)).toEqual([0, 1, 3, 9]);
    expect(c.legend.map((e) => e.count)).toEqual([1, 2, 3, 1]);
    expect(c.colourOf(3)).toBe(classColour(3));
  });

  it("colours the ten largest of 345 classes and greys the rest as one entry", () => {
    // Class k has k % 50 + 1 points: classes 49, 99, ... are the largest.
    const labels = Array.from({ length: 345 }, (_, k) => Array(k % 50 + 1).fill(k) as number[]).flat();
    const c = mapColouring(labels);
    expect(c.mode).toBe("largest");
    expect(c.legend).toHaveLength(11);
    expect(c.legend.slice(0, 10).map((e) => e.count)).toEqual(Array(10).fill(50).slice(0, 6).concat([49, 49, 49, 49]));
    const other = c.legend[10]!;
    expect(other.label).toBeNull();
    expect(other.classes).toBe(335);
    expect(c.legend.reduce((s, e) => s + e.count, 0)).toBe(labels.length);
    expect(new Set(c.legend.slice(0, 10).map((e) => e.colour)).size).toBe(10);
    expect(c.colourOf(0)).toBe(OTHER_COLOUR);
    expect(c.colourOf(49)).not.toBe(OTHER_COLOUR);
    expect(classCounts([2, 2, 5])).toEqual([[2, 2], [5, 1]]);
  });

  it("shows one chosen class over the others in grey", () => {
    const c = mapColouring([0, 1, 1, 2, 2, 2], 1);
    expect(c.mode).toBe("chosen");
    expect(c.legend).toEqual([
      { label: 1, colour: CHOSEN_COLOUR, count: 2, classes: 1 },
      { label: null, colour: OTHER_COLOUR, count: 4, classes: 2 },
    ]);
    expect([c.colourOf(1), c.colourOf(2)]).toEqual([CHOSEN_COLOUR, OTHER_COLOUR]);
  });
});
