// Explore protocol 2: the binary frames /ws/models/{id}/explore answers with (docs/api.md). A frame is a
// uint32 (little-endian) header length, the UTF-8 JSON header (ExploreResultHeader / DecodeResultHeader),
// padding to a multiple of 4 bytes, then the body: the arrays the header lists as [name, dtype, offset,
// count]. Float32 arrays are read in place (views, no copy); heatmaps stay uint8 until drawn.
import type { RawTensor8 } from "../lib/viz/tensor8";
import type { DecodeResultHeader, ExploreResultHeader } from "./generated/ws";

export interface AnswerLayer {
  name: string;
  part: "encoder" | "decoder";
  kind: "conv" | "maxpool" | "dense" | "tconv";
  tensor: RawTensor8;
}

export interface ExploreAnswer {
  request_id: number;
  latent: (number | null)[];
  reconstruction: Float32Array;
  activations: AnswerLayer[];
  mse: number | null;
  psnr: number | null;
  ssim: number | null;
  latent_sigma: (number | null)[] | null;
  corrupted: Float32Array | null;
  map_positions?: Record<string, number[]> | null;
}

export interface DecodeAnswer {
  request_id: number;
  reconstruction: Float32Array;
  activations: AnswerLayer[];
  map_positions?: Record<string, number[]> | null;
}

export type Answer = ({ type: "explore_result" } & ExploreAnswer) | ({ type: "decode_result" } & DecodeAnswer);

type ArraySpec = [name: string, dtype: "f4" | "u1", offset: number, count: number];

const nulls = (a: Float32Array) => Array.from(a, (x) => (Number.isFinite(x) ? x : null));

/** Reads one binary frame; throws on a frame that is not protocol 2 or whose arrays do not fit. */
export function decodeFrame(buffer: ArrayBuffer): Answer {
  const view = new DataView(buffer);
  const size = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size))) as ExploreResultHeader | DecodeResultHeader;
  if (header.v !== 2) throw new Error(`unknown explore protocol version ${String(header.v)}`);
  const body = 4 + size;
  const arrays = new Map<string, Float32Array | Uint8Array>();
  for (const [name, dtype, offset, count] of header.arrays as ArraySpec[]) {
    const start = body + offset;
    const bytes = count * (dtype === "f4" ? 4 : 1);
    if (start + bytes > buffer.byteLength) throw new Error(`array ${name} runs past the frame`);
    arrays.set(name, dtype === "f4" ? new Float32Array(buffer, start, count) : new Uint8Array(buffer, start, count));
  }
  const f32 = (name: string) => {
    const a = arrays.get(name);
    if (a && !(a instanceof Float32Array)) throw new Error(`array ${name} is not float32`);
    return a ?? null;
  };
  const activations = header.layers.map((l): AnswerLayer => {
    const data = arrays.get(l.name);
    const lo = f32(`${l.name}.lo`);
    const hi = f32(`${l.name}.hi`);
    if (!(data instanceof Uint8Array) || !lo || !hi) throw new Error(`layer ${l.name} lacks its arrays`);
    return { name: l.name, part: l.part, kind: l.kind, tensor: { shape: l.shape, lo, hi, data } };
  });
  const reconstruction = f32("reconstruction");
  if (!reconstruction) throw new Error("the frame has no reconstruction");
  if (header.type === "decode_result") {
    return { type: "decode_result", request_id: header.request_id, reconstruction, activations, map_positions: header.map_positions ?? null };
  }
  const latent = f32("latent");
  const sigma = f32("latent_sigma");
  if (!latent) throw new Error("the frame has no latent");
  return {
    type: "explore_result",
    request_id: header.request_id,
    latent: nulls(latent),
    reconstruction,
    activations,
    mse: header.mse,
    psnr: header.psnr,
    ssim: header.ssim,
    latent_sigma: sigma ? nulls(sigma) : null,
    corrupted: f32("corrupted"),
    map_positions: header.map_positions ?? null,
  };
}
