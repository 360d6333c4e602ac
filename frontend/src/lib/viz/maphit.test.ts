import { describe, expect, it } from "vitest";
import { hitPoint, pointerPixel, ringAt } from "./maphit";
import { fitScale } from "./mapscale";

// Data from -2..2 across and -1..1 up on a 110 x 60 canvas with 5 pixels of padding.
const points = [
  [-2, -1],
  [2, 1],
  [0, 0],
];
const scale = fitScale(points, 110, 60, 5);

describe("pointing at the map", () => {
  it("turns a pointer position into a canvas pixel, whatever size CSS draws the canvas at", () => {
    const [x, y] = pointerPixel(160, 130, { left: 100, top: 100, width: 220, height: 120 }, scale);
    expect(x).toBeCloseTo(30);
    expect(y).toBeCloseTo(15);
  });

  it("hits the nearest point within the radius, with its own pixel", () => {
    expect(hitPoint(scale, points, 100, 8)).toEqual({ index: 1, x: 105, y: 5 });
    expect(hitPoint(scale, points, 52, 31)).toEqual({ index: 2, x: 55, y: 30 });
    expect(hitPoint(scale, points, 30, 45, 3)).toBeNull();
  });

  it("keeps the ring inside the canvas and says when its point lies beyond", () => {
    expect(ringAt(scale, [0, 0])).toEqual({ x: 55, y: 30, outside: false });
    expect(ringAt(scale, [4, -3])).toEqual({ x: 106, y: 56, outside: true });
    expect(ringAt(scale, null)).toBeNull();
  });
});
