import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64, channelView, decodeTensor8, encodeTensor8 } from "./tensor8";

describe("Tensor8", () => {
  it("decodes bytes with per-channel lo/hi", () => {
    const bytes = new Uint8Array([0, 255, 51, 102, 0, 255, 255, 0]);
    const t = decodeTensor8({ shape: [2, 2, 2], lo: [0, -1], hi: [1, 3], data: bytesToBase64(bytes) });
    expect(t.channels).toBe(2);
    expect(t.height).toBe(2);
    expect(t.width).toBe(2);
    const v = Array.from(t.data);
    expect(v[0]).toBeCloseTo(0);
    expect(v[1]).toBeCloseTo(1);
    expect(v[2]).toBeCloseTo(0.2);
    expect(v[3]).toBeCloseTo(0.4);
    expect(v[4]).toBeCloseTo(-1);
    expect(v[5]).toBeCloseTo(3);
    expect(v[6]).toBeCloseTo(3);
    expect(v[7]).toBeCloseTo(-1);
    expect(Array.from(channelView(t, 1))).toEqual(Array.from(t.data.slice(4)));
  });

  it("accepts a 2-D shape as one channel", () => {
    const t = decodeTensor8({ shape: [1, 3], lo: [0], hi: [255], data: bytesToBase64(new Uint8Array([1, 2, 3])) });
    expect([t.channels, t.height, t.width]).toEqual([1, 1, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3]);
  });

  it("rejects a wrong byte count or wrong lo/hi lengths", () => {
    const data = bytesToBase64(new Uint8Array(3));
    expect(() => decodeTensor8({ shape: [1, 2, 2], lo: [0], hi: [1], data })).toThrow(/needs 4/);
    expect(() => decodeTensor8({ shape: [3, 1, 1], lo: [0], hi: [1], data })).toThrow(/lo\/hi/);
  });

  it("round-trips within one quantisation step", () => {
    const data = new Float32Array(3 * 4 * 5).map((_, i) => Math.sin(i) * (1 + (i % 7)));
    const t = { channels: 3, height: 4, width: 5, data };
    const back = decodeTensor8(encodeTensor8(t));
    for (let c = 0; c < 3; c++) {
      const ch = Array.from(data.slice(c * 20, c * 20 + 20));
      const step = (Math.max(...ch) - Math.min(...ch)) / 255;
      for (let i = 0; i < 20; i++) expect(Math.abs(back.data[c * 20 + i]! - ch[i]!)).toBeLessThanOrEqual(step / 2 + 1e-6);
    }
  });

  it("base64 round-trips large buffers", () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 31) & 255);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
  });
});
