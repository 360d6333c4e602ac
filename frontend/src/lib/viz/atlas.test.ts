import { describe, expect, it } from "vitest";
import { atlasGrid, atlasRgba, channelAt } from "./atlas";
import { lut } from "./colormap";
import { toRgba } from "./imagedata";
import type { Range } from "./normalize";
import type { FloatTensor } from "./tensor8";

// 3 channels of 2x2: channel c holds c*4 .. c*4+3.
const t: FloatTensor = { channels: 3, height: 2, width: 2, data: Float32Array.from({ length: 12 }, (_, i) => i) };

describe("atlas", () => {
  it("lays channels out in rows with one-pixel gaps", () => {
    expect(atlasGrid(t, 2)).toEqual({ cols: 2, rows: 2, pitchX: 3, pitchY: 3, width: 5, height: 5 });
    expect(atlasGrid(t, 10)).toMatchObject({ cols: 3, rows: 1, width: 8, height: 2 });
  });

  it("paints each channel over its own range and leaves gaps transparent", () => {
    const img = atlasRgba(t, [[0, 3], [4, 7], [8, 11]], lut("ink"), 2);
    const px = (x: number, y: number) => Array.from(img.data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
    expect(px(0, 0)).toEqual([255, 255, 255, 255]); // channel 0, value 0 = low = paper
    expect(px(1, 1)).toEqual([0, 0, 0, 255]); // channel 0, value 3 = high = ink
    expect(px(2, 0)[3]).toBe(0); // the gap column
    expect(px(3, 0)).toEqual([255, 255, 255, 255]); // channel 1 starts at x = 3
    expect(px(4, 1)).toEqual([0, 0, 0, 255]);
    expect(px(0, 2)[3]).toBe(0); // the gap row
    expect(px(1, 4)).toEqual([0, 0, 0, 255]); // channel 2 at row 1
    expect(px(3, 3)[3]).toBe(0); // past the last channel: empty
  });

  it("paints over an earlier atlas of the same grid, and into a new buffer for another grid", () => {
    const first = atlasRgba(t, [[0, 3], [4, 7], [8, 11]], lut("ink"), 2);
    const fresh = atlasRgba(t, [[0, 11], [0, 11], [0, 11]], lut("ink"), 2);
    const again = atlasRgba(t, [[0, 11], [0, 11], [0, 11]], lut("ink"), 2, 1, first);
    expect(again.data).toBe(first.data);
    expect(Array.from(again.data)).toEqual(Array.from(fresh.data)); // gaps still transparent, every cell repainted
    const wide = atlasRgba(t, [[0, 3], [4, 7], [8, 11]], lut("ink"), 3, 1, first);
    expect(wide.data).not.toBe(first.data);
    expect(wide.width).toBe(8);
  });

  it("colours each pixel as toRgba does (same table index, opaque)", () => {
    const data = Float32Array.from({ length: 2 * 7 * 7 }, (_, i) => Math.sin(i * 1.7) * 3 + (i % 5));
    const two: FloatTensor = { channels: 2, height: 7, width: 7, data };
    const ranges: Range[] = [[-2, 5], [1, 1]]; // the second is flat: all "low"
    const img = atlasRgba(two, ranges, lut("viridis"), 2);
    for (let ch = 0; ch < 2; ch++) {
      const ref = toRgba(data, 7, 7, ranges[ch]![0], ranges[ch]![1], lut("viridis"), ch * 49);
      for (let y = 0; y < 7; y++) {
        const o = (y * img.width + ch * 8) * 4;
        expect(Array.from(img.data.slice(o, o + 28))).toEqual(Array.from(ref.data.slice(y * 28, y * 28 + 28)));
      }
    }
  });

  it("finds the channel under a point", () => {
    const g = atlasGrid(t, 2);
    expect(channelAt(g, 3, 0.5, 0.5, 2, 2)).toBe(0);
    expect(channelAt(g, 3, 3.2, 1.9, 2, 2)).toBe(1);
    expect(channelAt(g, 3, 2.5, 0.5, 2, 2)).toBeNull(); // gap
    expect(channelAt(g, 3, 0.5, 3.5, 2, 2)).toBe(2);
    expect(channelAt(g, 3, 3.5, 3.5, 2, 2)).toBeNull(); // no fourth channel
  });
});
