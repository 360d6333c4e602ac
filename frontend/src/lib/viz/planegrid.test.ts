import { describe, expect, it } from "vitest";
import { fitScale } from "./mapscale";
import { planeSweep, planeTiles } from "./planegrid";

describe("the decoded grid over a latent plane", () => {
  const points = [
    [-2, -1],
    [2, -1],
    [2, 3],
    [-2, 3],
  ];
  const scale = fitScale(points, 100, 100, 0);

  it("sweeps from the box's centre far enough to reach its farther edge", () => {
    const { centre, span } = planeSweep(points, scale);
    expect(centre).toEqual([0, 1]);
    // Both dimensions have std 2 and half-widths 2: one standard deviation reaches the edges.
    expect(span).toBeCloseTo(1);
  });

  it("puts each image on its code, row r at values[1][r] (upwards), as large as the spacing", () => {
    const tiles = planeTiles(
      [
        [-2, 0, 2],
        [-1, 3],
      ],
      scale,
    );
    expect(tiles).toHaveLength(6);
    const first = tiles[0]!; // (-2, -1): the bottom-left corner of the canvas
    expect(first.index).toBe(0);
    expect(first.x + first.w / 2).toBeCloseTo(0);
    expect(first.y + first.h / 2).toBeCloseTo(100);
    expect(first.w).toBeCloseTo(50);
    expect(first.h).toBeCloseTo(100);
    const last = tiles[5]!; // (2, 3): the top-right corner
    expect([last.x + last.w / 2, last.y + last.h / 2]).toEqual([100, 0]);
  });

  it("leaves out tiles wholly off the canvas and needs two values per dimension", () => {
    expect(planeTiles([[-2, 0, 2, 20], [-1, 3]], scale).map((t) => t.index)).toEqual([0, 1, 2, 4, 5, 6]);
    expect(planeTiles([[0], [1, 2]], scale)).toEqual([]);
  });
});
