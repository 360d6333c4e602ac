// The browser's decoder against the model itself: backend/tests/ml/test_decoder_file.py writes the fixture
// (decoder files of small models of every activation, a code, and what each layer gave in JAX) and fails
// when it is stale, so the two implementations are compared on files the service really serves.
import { describe, expect, it } from "vitest";
import cases from "./fixtures/decoder-cases.json";
import { decode, maxPageFlops, readDecoder } from "./decoder";
import { base64ToBytes } from "../viz/tensor8";

interface Case {
  file_base64: string;
  latent: number[];
  expected: Record<string, number[]>;
  reconstruction: number[];
}

const bufferOf = (b64: string) => base64ToBytes(b64).slice().buffer;

function maxError(got: ArrayLike<number>, want: number[]): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1e-3 + Math.abs(want[i]!)));
  return worst;
}

describe("decoder", () => {
  for (const [name, c] of Object.entries(cases as Record<string, Case>)) {
    for (const simd of [true, false]) {
      it(`${name}: every layer as the model computes it (${simd ? "WebAssembly SIMD" : "plain TypeScript"})`, () => {
        const decoder = readDecoder(bufferOf(c.file_base64), { simd });
        expect(decoder.simd !== null).toBe(simd); // Node has WebAssembly SIMD, as browsers do
        const layers = decode(decoder, c.latent);
        expect(layers.map((l) => l.name)).toEqual(Object.keys(c.expected));
        for (const l of layers) expect(maxError(l.data, c.expected[l.name]!), l.name).toBeLessThan(1e-4);
        expect(maxError(layers.at(-1)!.data, c.reconstruction)).toBeLessThan(1e-4);
      });
    }
  }

  it("counts the decoder's FLOPs as the layer table does", () => {
    // gelu-three-blocks: dense 3 -> 4x4x2, tconv 2->2 (k3) 4->7, tconv 2->2 (k5) 7->14, tconv 2->3 (k3) 14->28, conv 3->1 (k3) 28x28.
    const d = readDecoder(bufferOf((cases as Record<string, Case>)["gelu-three-blocks"]!.file_base64));
    const macs = 3 * 32 + 9 * 2 * 2 * 16 + 25 * 2 * 2 * 49 + 9 * 2 * 3 * 196 + 9 * 3 * 1 * 784;
    expect(d.flops).toBe(2 * macs);
    // The page decodes up to 120 MFLOP per code with WebAssembly SIMD, 40 without (then the service does).
    expect([maxPageFlops(d), maxPageFlops({ simd: null })]).toEqual([120e6, 40e6]);
  });

  it("a wrong code length or a file that is not a decoder is an error that says so", () => {
    const decoder = readDecoder(bufferOf((cases as Record<string, Case>)["relu"]!.file_base64));
    expect(() => decode(decoder, [1, 2, 3])).toThrow(/3 values, the decoder reads 2/);
    expect(() => readDecoder(new ArrayBuffer(4))).toThrow(/too short/);
    const notJson = new Uint8Array(16);
    notJson[0] = 4;
    expect(() => readDecoder(notJson.buffer)).toThrow(/not JSON/);
  });
});
