import { describe, expect, it } from "vitest";
import { fitScale } from "./mapscale";
import { classColour, MAP_BACKGROUND, paintMap, paintPoints, tileInk, type PaintTarget, type Scratch } from "./mappaint";

/** A canvas context that records the calls painting makes. */
function recorder() {
  const calls: (string | number | boolean)[][] = [];
  const ctx = {
    set fillStyle(v: string) {
      calls.push(["fillStyle", v]);
    },
    set imageSmoothingEnabled(v: boolean) {
      calls.push(["smooth", v]);
    },
    fillRect: (...a: number[]) => calls.push(["fillRect", ...a]),
    drawImage: (_img: unknown, ...a: number[]) => calls.push(["drawImage", ...a]),
  } as unknown as PaintTarget;
  return { ctx, calls };
}

describe("painting the latent map", () => {
  const map = { points: [[0, 0], [1, 1], [0.5, 0.5]], labels: [3, 3, 7] };
  const scale = fitScale(map.points, 20, 20, 2);

  it("paints the background, then each point as a 2 x 2 square, changing colour only between classes", () => {
    const { ctx, calls } = recorder();
    paintMap(ctx, map, scale, null, () => {
      throw new Error("no grid, no scratch canvas");
    });
    expect(calls).toEqual([
      ["fillStyle", MAP_BACKGROUND],
      ["fillRect", 0, 0, 20, 20],
      ["fillStyle", classColour(3)],
      ["fillRect", 1, 17, 2, 2],
      ["fillRect", 17, 1, 2, 2],
      ["fillStyle", classColour(7)],
      ["fillRect", 9, 9, 2, 2],
    ]);
    expect(classColour(3)).not.toBe(classColour(7));
    expect(classColour(13)).toBe(classColour(3));
  });

  it("paints a decoded grid under the points, each image scaled into its tile as pale ink", () => {
    const { ctx, calls } = recorder();
    const put: number[][] = [];
    const scratch = (w: number, h: number): Scratch => {
      expect([w, h]).toEqual([2, 1]);
      return { canvas: {} as CanvasImageSource, put: (rgba) => put.push(Array.from(rgba)) };
    };
    const grid = {
      tiles: [{ index: 1, x: 0, y: 0, w: 10, h: 10 }],
      images: [Float32Array.of(0, 0), Float32Array.of(1, 0)],
      width: 2,
      height: 1,
    };
    paintMap(ctx, map, scale, grid, scratch);
    expect(calls.slice(2, 4)).toEqual([
      ["smooth", true],
      ["drawImage", 0, 0, 10, 10],
    ]);
    expect(put).toEqual([[105, 105, 105, 255, 255, 255, 255, 255]]);
    expect(calls[4]).toEqual(["fillStyle", classColour(3)]); // the points after the grid
  });

  it("writes ink as opaque grey: 0 is white, 1 the darkest grey", () => {
    expect(Array.from(tileInk([0, 0.5, 1], new Uint8ClampedArray(12)))).toEqual([255, 255, 255, 255, 180, 180, 180, 255, 105, 105, 105, 255]);
  });
});

describe("painting many classes", () => {
  it("paints the grey points first and the coloured ones over them", () => {
    const calls: string[] = [];
    const ctx = {
      set fillStyle(v: string) {
        calls.push(v);
      },
      fillRect: () => calls.push("rect"),
    };
    const map = { points: [[0, 0], [1, 1], [0.5, 0.5]], labels: [1, 2, 1] };
    paintPoints(ctx as unknown as Pick<PaintTarget, "fillStyle" | "fillRect">, map, fitScale(map.points, 10, 10), (l) => (l === 2 ? "red" : "grey"), "grey");
    expect(calls).toEqual(["grey", "rect", "rect", "red", "rect"]);
  });
});
