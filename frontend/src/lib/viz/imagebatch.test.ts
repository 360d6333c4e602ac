import { describe, expect, it } from "vitest";
import { decodeImageBatch, gridRows } from "./imagebatch";
import { bytesToBase64 } from "./tensor8";

describe("decodeImageBatch", () => {
  it("splits image-major bytes into images of 0..1 values", () => {
    const bytes = new Uint8Array([0, 255, 51, 102, 255, 0, 0, 255]);
    const b = decodeImageBatch({ count: 2, height: 2, width: 2, data: bytesToBase64(bytes) });
    expect(b.images).toHaveLength(2);
    expect(Array.from(b.images[0]!)).toEqual([0, 1, Math.fround(0.2), Math.fround(0.4)]);
    expect(Array.from(b.images[1]!)).toEqual([1, 0, 0, 1]);
    expect(b.width).toBe(2);
  });

  it("refuses a batch whose bytes do not match its shape", () => {
    expect(() => decodeImageBatch({ count: 2, height: 2, width: 2, data: bytesToBase64(new Uint8Array(7)) })).toThrow(/7 bytes/);
  });

  it("decodes 16 MNIST-sized images", () => {
    const bytes = new Uint8Array(16 * 784).map((_, i) => Math.floor(i / 784) * 16);
    const b = decodeImageBatch({ count: 16, height: 28, width: 28, data: bytesToBase64(bytes) });
    expect(b.images.map((im) => Math.round(im[0]! * 255))).toEqual(Array.from({ length: 16 }, (_, k) => k * 16));
    expect(b.images.every((im) => im.length === 784)).toBe(true);
  });
});

describe("gridRows", () => {
  it("lays two swept dims out as a square, row-major; one dim as a single row", () => {
    expect(gridRows([1, 2, 3, 4, 5, 6, 7, 8, 9], 2)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(gridRows([1, 2, 3], 1)).toEqual([[1, 2, 3]]);
    expect(() => gridRows([1, 2, 3], 2)).toThrow();
  });
});
