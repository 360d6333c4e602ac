import { describe, expect, it } from "vitest";
import { bbox, centerOfMass, mnistPreprocess, rgbaToInk, SIDE } from "./preprocess";

function canvas(w: number, h: number, rects: [number, number, number, number, number?][]): Float32Array {
  const a = new Float32Array(w * h);
  for (const [x0, y0, rw, rh, v = 1] of rects) {
    for (let y = y0; y < y0 + rh; y++) for (let x = x0; x < x0 + rw; x++) a[y * w + x] = v;
  }
  return a;
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe("mnistPreprocess", () => {
  it("returns zeros for an empty drawing", () => {
    const out = mnistPreprocess(new Float32Array(280 * 280), 280, 280);
    expect(out.length).toBe(784);
    expect(sum(out)).toBe(0);
  });

  it("fits a wide box into 20 columns, keeps the aspect ratio and centres it", () => {
    // 100x50 solid rectangle far from the centre: becomes 20x10, occupying x 4..23, y 9..18.
    const out = mnistPreprocess(canvas(280, 280, [[10, 200, 100, 50]]), 280, 280);
    expect(sum(out)).toBeCloseTo(200, 3);
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const inside = x >= 4 && x < 24 && y >= 9 && y < 19;
        expect(out[y * SIDE + x]).toBeCloseTo(inside ? 1 : 0, 5);
      }
    }
  });

  it("fits a tall box into 20 rows", () => {
    const out = mnistPreprocess(canvas(280, 280, [[0, 0, 40, 200]]), 280, 280);
    const b = bbox(out, SIDE, SIDE, 0.5)!;
    expect(b.y1 - b.y0 + 1).toBe(20);
    expect(b.x1 - b.x0 + 1).toBe(4);
  });

  it("anti-aliases edges that fall between pixels", () => {
    // 30x200 -> 3x20, centred: x spans [12.5, 15.5), so columns 12 and 15 are half covered.
    const out = mnistPreprocess(canvas(280, 280, [[100, 40, 30, 200]]), 280, 280);
    const row = 14 * SIDE;
    expect(out[row + 12]).toBeCloseTo(0.5, 5);
    expect(out[row + 13]).toBeCloseTo(1, 5);
    expect(out[row + 14]).toBeCloseTo(1, 5);
    expect(out[row + 15]).toBeCloseTo(0.5, 5);
    expect(out[row + 11]).toBeCloseTo(0, 5);
  });

  it("puts the centre of mass (not the box centre) at the centre of the field", () => {
    // An L: a heavy vertical bar and a thin foot; the box centre and the centre of mass differ.
    const ink = canvas(280, 280, [
      [50, 50, 40, 200],
      [90, 230, 110, 20],
    ]);
    const out = mnistPreprocess(ink, 280, 280);
    const [cx, cy] = centerOfMass(out, SIDE, SIDE)!;
    expect(cx).toBeCloseTo(14, 1);
    expect(cy).toBeCloseTo(14, 1);
    const b = bbox(out, SIDE, SIDE, 0.01)!;
    expect((b.x0 + b.x1 + 1) / 2).toBeGreaterThan(15); // heavy bar on the left: the box sits right of the COM
  });

  it("keeps grey levels of a faint stroke (area average, no re-normalisation)", () => {
    const out = mnistPreprocess(canvas(280, 280, [[40, 40, 200, 200, 0.5]]), 280, 280);
    expect(Math.max(...out)).toBeCloseTo(0.5, 5);
    expect(sum(out)).toBeCloseTo(0.5 * 400, 3);
  });

  it("works on non-square canvases", () => {
    const out = mnistPreprocess(canvas(300, 100, [[0, 0, 300, 15]]), 300, 100);
    expect(sum(out)).toBeCloseTo(20 * 1, 3);
  });
});

describe("rgbaToInk", () => {
  it("reads ink from alpha", () => {
    const rgba = new Uint8ClampedArray([0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 51]);
    const ink = rgbaToInk(rgba, 3, 1);
    expect(ink[0]).toBe(1);
    expect(ink[1]).toBe(0);
    expect(ink[2]).toBeCloseTo(0.2, 6);
  });
});
