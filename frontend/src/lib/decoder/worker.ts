// The Web Worker that decodes slider codes in the page (./browserDecoder.ts talks to it): the weights of one
// model, loaded once; each code's layers come back as (C, H, W) planes, as the heatmaps draw them.
/// <reference lib="webworker" />
import { decode, maxPageFlops, readDecoder, type Decoder } from "./decoder";
import type { ToWorker, FromWorker } from "./browserDecoder";

let model: { id: string; decoder: Decoder } | null = null;

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  (self as DedicatedWorkerGlobalScope).postMessage(msg, transfer);
}

/** (H, W, C) row-major to (C, H, W). */
function planes(data: Float32Array, h: number, w: number, c: number): Float32Array {
  if (c === 1) return data;
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) out[ch * plane + p] = data[p * c + ch]!;
  return out;
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  try {
    if (msg.type === "load") {
      model = null;
      const decoder = readDecoder(msg.buffer);
      if (decoder.flops > maxPageFlops(decoder)) throw new Error(`${(decoder.flops / 1e6).toFixed(0)} MFLOP per code: the service decodes faster`);
      model = { id: msg.modelId, decoder };
      post({ type: "loaded", modelId: msg.modelId });
      return;
    }
    if (!model || model.id !== msg.modelId) throw new Error("no decoder loaded for this model");
    const layers = decode(model.decoder, msg.latent).map((l) => ({
      name: l.name,
      kind: l.kind,
      tensor: { channels: l.channels, height: l.height, width: l.width, data: planes(l.data, l.height, l.width, l.channels) },
    }));
    post({ type: "decoded", modelId: msg.modelId, seq: msg.seq, latent: msg.latent, layers }, layers.map((l) => l.tensor.data.buffer));
  } catch (err) {
    const seq = msg.type === "decode" ? msg.seq : undefined;
    post({ type: "failed", modelId: msg.modelId, message: err instanceof Error ? err.message : String(err), seq });
  }
};
