// The decoder against frames made by the Python encoder: src/api/fixtures/*-frame.json hold a frame (base64)
// written by the backend's tests/service/test_frames.py (which fails when they are stale) and the values
// the frame holds.
import { describe, expect, it } from "vitest";
import { decodeTensor8 } from "../lib/viz/tensor8";
import { decodeFrame } from "./exploreFrames";
import decodeFixture from "./fixtures/decode-frame.json?raw";
import exploreFixture from "./fixtures/explore-frame.json?raw";

const fixture = (raw: string) => {
  const { frame_base64, expected } = JSON.parse(raw) as { frame_base64: string; expected: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const bin = atob(frame_base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return { buffer: bytes.buffer, want: expected };
};

type Layer = { name: string; part: string; kind: string; shape: number[]; lo: number[]; hi: number[]; data: number[] };

function checkLayers(got: ReturnType<typeof decodeFrame>["activations"], want: Layer[]) {
  expect(got.map((l) => [l.name, l.part, l.kind])).toEqual(want.map((l) => [l.name, l.part, l.kind]));
  got.forEach((l, i) => {
    const w = want[i]!;
    expect(l.tensor.shape).toEqual(w.shape);
    expect(Array.from(l.tensor.lo)).toEqual(w.lo);
    expect(Array.from(l.tensor.hi)).toEqual(w.hi);
    expect(Array.from(l.tensor.data)).toEqual(w.data);
    const t = decodeTensor8(l.tensor); // dequantised as a JSON Tensor8 would be
    expect(t.channels * t.height * t.width).toBe(w.data.length);
    expect(t.data[0]).toBeCloseTo(w.lo[0]! + ((w.hi[0]! - w.lo[0]!) * w.data[0]!) / 255, 5);
  });
}

describe("explore protocol 2 frames", () => {
  it("decodes the Python encoder's explore_result", () => {
    const { buffer, want } = fixture(exploreFixture);
    const r = decodeFrame(buffer);
    if (r.type !== "explore_result") throw new Error(r.type);
    expect(r.request_id).toBe(want.request_id);
    expect(r.latent).toEqual(want.latent); // NaN arrives as null, as in JSON
    expect(Array.from(r.reconstruction)).toEqual(want.reconstruction);
    expect(r.latent_sigma).toEqual(want.latent_sigma);
    expect(Array.from(r.corrupted ?? [])).toEqual(want.corrupted);
    expect([r.mse, r.psnr, r.ssim]).toEqual([want.mse, want.psnr, want.ssim]);
    expect(r.map_positions).toEqual(want.map_positions);
    checkLayers(r.activations, want.activations);
  });

  it("decodes the Python encoder's decode_result", () => {
    const { buffer, want } = fixture(decodeFixture);
    const r = decodeFrame(buffer);
    expect(r.type).toBe("decode_result");
    expect(r.request_id).toBe(want.request_id);
    expect(Array.from(r.reconstruction)).toEqual(want.reconstruction);
    checkLayers(r.activations, want.activations);
  });

  it("refuses a frame whose arrays run past its end", () => {
    const { buffer } = fixture(decodeFixture);
    expect(() => decodeFrame(buffer.slice(0, buffer.byteLength - 8))).toThrow(/past the frame/);
  });
});
