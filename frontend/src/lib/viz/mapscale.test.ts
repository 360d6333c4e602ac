import { describe, expect, it } from "vitest";
import { fitScale, nearestPoint, projectLatent, toCanvas } from "./mapscale";

describe("projectLatent", () => {
  it("computes components · (latent − mean)", () => {
    const mean = [1, 2, 3];
    const components = [
      [1, 0, 0],
      [0.6, 0, 0.8],
    ];
    // z − mean = [2, -1, 0.5]
    const [x, y] = projectLatent([3, 1, 3.5], mean, components);
    expect(x).toBeCloseTo(2);
    expect(y).toBeCloseTo(0.6 * 2 + 0.8 * 0.5);
    expect(projectLatent(mean, mean, components)).toEqual([0, 0]);
  });
  it("refuses a latent of another length", () => {
    expect(() => projectLatent([1, 2], [0, 0, 0], [[1, 0, 0], [0, 1, 0]])).toThrow();
    expect(() => projectLatent([1, 2, 3], [0, 0, 0], [[1, 0, 0]])).toThrow();
  });
});

describe("map scale", () => {
  const points = [
    [-2, -1],
    [2, 1],
    [0, 0],
  ];
  const s = fitScale(points, 110, 60, 5);
  it("fits the points inside the padding, y up", () => {
    expect(toCanvas(s, -2, -1)).toEqual([5, 55]);
    expect(toCanvas(s, 2, 1)).toEqual([105, 5]);
    expect(toCanvas(s, 0, 0)).toEqual([55, 30]);
  });
  it("finds the nearest point in pixels", () => {
    const hit = nearestPoint(s, points, 100, 8);
    expect(hit.index).toBe(1);
    expect(hit.dist).toBeCloseTo(Math.hypot(5, 3));
    expect(nearestPoint(s, points, 50, 30).index).toBe(2);
    expect(nearestPoint(s, points, 30, 45, 3).index).toBe(-1);
  });
  it("survives a degenerate set of points", () => {
    const one = fitScale([[3, 3]], 10, 10, 0);
    expect(toCanvas(one, 3, 3)).toEqual([5, 5]);
  });
});
