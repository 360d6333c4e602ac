// The model's decoder in plain TypeScript, for decoding slider codes in the page (in a Web Worker, see
// ./worker.ts) instead of asking the service: the same arithmetic as aevp/ml/model.py, checked against it on
// the fixture backend/tests/ml/test_decoder_file.py writes. Tensors are (H, W, C) row-major, kernels HWIO.
import { readSafetensors, type Tensor } from "./safetensors";
import { columnSums, type ColumnSums } from "./simd";

export const DECODER_FORMAT = "aevp-decoder-1";

/** Past this many FLOPs per code (about 18 ms here either way; the default model's decoder is 11.4 M: 1.7 ms in
 * Node with WebAssembly SIMD, 5.6 ms without), the page leaves the sliders to the service, which runs them
 * through XLA. */
export function maxPageFlops(d: Pick<Decoder, "simd">): number {
  return d.simd ? 120e6 : 40e6;
}

type Activation = "relu" | "leaky_relu" | "gelu" | "silu" | "tanh";

interface Row {
  name: string;
  kind: "dense" | "tconv" | "conv";
  kernel: number | null;
  shape: number[];
  activation: string | null;
}

export interface DecoderLayer extends Row {
  /** As in the file, except a convolution's: input-major (`inputMajor`). */
  weights: Float32Array;
  bias: Float32Array;
  /** (H, W, C) of this layer's input; (D,) for the first (the code). */
  inShape: number[];
  /** A convolution's weights in the SIMD heap: from `at`, each input channel's kernel at a `pitch`
   * (k x k x cout rounded up to a multiple of 4). */
  heap?: { at: number; pitch: number };
}

export interface Decoder {
  latentDim: number;
  activation: Activation;
  layers: DecoderLayer[];
  /** Multiply-adds times two, per code. */
  flops: number;
  /** The convolutions' column sums in WebAssembly, with room for a layer's input (`x`) and one
   * pixel's columns (`cols`); null where WebAssembly SIMD is missing (then plain TypeScript loops). */
  simd: { sums: ColumnSums; x: number; cols: number } | null;
}

/** One layer's output: (H, W, C) values, row-major. */
export interface DecodedLayer {
  name: string;
  kind: Row["kind"];
  height: number;
  width: number;
  channels: number;
  data: Float32Array;
}

const ACTIVATIONS: Record<Activation, (x: number) => number> = {
  relu: (x) => (x > 0 ? x : 0),
  leaky_relu: (x) => (x >= 0 ? x : 0.01 * x), // jax.nn.leaky_relu's default slope
  // jax.nn.gelu's default: the tanh approximation.
  gelu: (x) => 0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))),
  silu: (x) => x / (1 + Math.exp(-x)),
  tanh: Math.tanh,
};

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function tensor(tensors: Map<string, Tensor>, name: string, shape: number[]): Float32Array {
  const t = tensors.get(name);
  if (!t) throw new Error(`decoder file: no tensor ${name}`);
  if (t.shape.join() !== shape.join()) throw new Error(`decoder file: ${name} is [${t.shape.join(", ")}], expected [${shape.join(", ")}]`);
  return t.data;
}

/** A decoder from `GET /api/models/{id}/decoder`; throws when the file does not hold a complete one. */
export function readDecoder(buffer: ArrayBuffer, { simd = true } = {}): Decoder {
  const { metadata, tensors } = readSafetensors(buffer);
  if (metadata.format !== DECODER_FORMAT) throw new Error(`not an AeVP decoder file (format ${String(metadata.format)})`);
  const activation = metadata.activation as Activation;
  if (!(activation in ACTIVATIONS)) throw new Error(`decoder file: unknown activation ${String(activation)}`);
  const rows = JSON.parse(metadata.layers ?? "[]") as Row[];
  const first = rows[0];
  if (!first || first.kind !== "dense") throw new Error("decoder file: the first layer must be dense");
  const latentDim = tensors.get(`${first.name}.kernel`)?.shape[0] ?? 0;
  let inShape = [latentDim];
  const layers = rows.map((row): DecoderLayer => {
    if (row.kind !== "dense" && row.kind !== "tconv" && row.kind !== "conv") throw new Error(`decoder file: unknown layer kind ${String(row.kind)}`);
    const cin = inShape[inShape.length - 1]!;
    const cout = row.shape[row.shape.length - 1]!;
    const k = row.kernel ?? 0;
    const wShape = row.kind === "dense" ? [size(inShape), size(row.shape)] : [k, k, cin, cout];
    const kernel = tensor(tensors, `${row.name}.kernel`, wShape);
    const weights = row.kind === "dense" ? kernel : inputMajor(kernel, k, cin, cout);
    const layer = { ...row, inShape, weights, bias: tensor(tensors, `${row.name}.bias`, [wShape[wShape.length - 1]!]) };
    inShape = row.shape;
    return layer;
  });
  if (inShape.join() !== "28,28,1") throw new Error("decoder file: the last layer must give a 28 x 28 image");
  // Every weight is used once per output pixel (dense: once); a transposed convolution's per input pixel.
  const flops = layers.reduce((sum, l) => sum + 2 * l.weights.length * (l.kind === "dense" ? 1 : l.kind === "tconv" ? l.inShape[0]! * l.inShape[1]! : l.shape[0]! * l.shape[1]!), 0);
  return { latentDim, activation, layers, flops, simd: simd ? intoHeap(layers) : null };
}

const roundUp4 = (n: number) => (n + 3) & ~3;

/** The convolutions' weights copied into a SIMD heap (padded), after room for the input and columns. */
function intoHeap(layers: DecoderLayer[]): Decoder["simd"] {
  const convs = layers.filter((l) => l.kind !== "dense");
  const pitchOf = (l: DecoderLayer) => roundUp4(l.kernel! * l.kernel! * l.bias.length);
  const xFloats = roundUp4(Math.max(0, ...convs.map((l) => size(l.inShape))));
  const colsFloats = Math.max(0, ...convs.map(pitchOf));
  let at = xFloats + colsFloats;
  const placed = convs.map((l) => {
    const heap = { at, pitch: pitchOf(l) };
    at += l.inShape[2]! * heap.pitch;
    return heap;
  });
  const sums = columnSums(at);
  if (!sums) return null;
  convs.forEach((l, i) => {
    const { at: base, pitch } = placed[i]!;
    const span = l.kernel! * l.kernel! * l.bias.length;
    for (let ci = 0; ci < l.inShape[2]!; ci++) sums.heap.set(l.weights.subarray(ci * span, (ci + 1) * span), base + ci * pitch);
    l.heap = placed[i];
  });
  return { sums, x: 0, cols: xFloats };
}

function dense(x: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
  const out = Float32Array.from(b);
  const n = out.length;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const row = i * n;
    for (let j = 0; j < n; j++) out[j]! += xi * w[row + j]!;
  }
  return out;
}

/** y[yAt + j] += a * w[wAt + j] for j < n: the inner loop of every layer, unrolled by four. */
function axpy(y: Float32Array, yAt: number, w: Float32Array, wAt: number, a: number, n: number): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    y[yAt + j]! += a * w[wAt + j]!;
    y[yAt + j + 1]! += a * w[wAt + j + 1]!;
    y[yAt + j + 2]! += a * w[wAt + j + 2]!;
    y[yAt + j + 3]! += a * w[wAt + j + 3]!;
  }
  for (; j < n; j++) y[yAt + j]! += a * w[wAt + j]!;
}

/** HWIO to (I, H, W, O): each input channel's whole kernel contiguous, for `convolve`. */
function inputMajor(w: Float32Array, k: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let tap = 0; tap < k * k; tap++) {
    for (let ci = 0; ci < cin; ci++) out.set(w.subarray((tap * cin + ci) * cout, (tap * cin + ci + 1) * cout), (ci * k * k + tap) * cout);
  }
  return out;
}

/**
 * Both convolutions, one input pixel at a time: the pixel's channels times the whole input-major kernel
 * (`inputMajor`) give its k x k x cout columns in one long inner loop (in WebAssembly SIMD where the decoder has
 * it, ./simd.ts), then each tap's columns are added where they land. A stride-2 transposed convolution
 * (PyTorch's padding (k-1)/2) puts input i's tap t at output 2i + t - pad, a SAME convolution at i - t + pad.
 */
function convolve(x: Float32Array, [h, wd, cin]: [number, number, number], l: DecoderLayer, out: number, simd: Decoder["simd"]): Float32Array {
  const { weights: w, bias: b } = l;
  const k = l.kernel!;
  const cout = b.length;
  const span = k * k * cout;
  const pad = (k - 1) >> 1;
  const transposed = l.kind === "tconv";
  const heap = simd && l.heap ? { ...simd, ...l.heap } : null;
  // One input pixel's k x k x cout columns: in the SIMD heap, or in a plain array.
  const cols = heap ? heap.sums.heap : new Float32Array(span);
  const at = heap ? heap.cols : 0;
  if (heap) heap.sums.heap.set(x, heap.x);
  const y = new Float32Array(out * out * cout);
  for (let p = 0; p < out * out; p++) y.set(b, p * cout);
  for (let iy = 0; iy < h; iy++) {
    for (let ix = 0; ix < wd; ix++) {
      const xBase = (iy * wd + ix) * cin;
      if (heap) heap.sums.sum(at, heap.x + xBase, heap.at, cin, heap.pitch);
      else {
        cols.fill(0);
        for (let ci = 0; ci < cin; ci++) {
          const v = x[xBase + ci]!;
          if (v !== 0) axpy(cols, 0, w, ci * span, v, span); // after a ReLU many inputs are 0
        }
      }
      for (let ky = 0; ky < k; ky++) {
        const oy = transposed ? 2 * iy + ky - pad : iy - ky + pad;
        if (oy < 0 || oy >= out) continue;
        for (let kx = 0; kx < k; kx++) {
          const ox = transposed ? 2 * ix + kx - pad : ix - kx + pad;
          if (ox < 0 || ox >= out) continue;
          const yBase = (oy * out + ox) * cout;
          const cBase = at + (ky * k + kx) * cout;
          for (let co = 0; co < cout; co++) y[yBase + co]! += cols[cBase + co]!;
        }
      }
    }
  }
  return y;
}

/** Every decoder layer's output for one code; the last is the reconstruction (28 x 28 x 1, in [0, 1]). */
export function decode(d: Decoder, latent: ArrayLike<number>): DecodedLayer[] {
  if (latent.length !== d.latentDim) throw new Error(`the code has ${latent.length} values, the decoder reads ${d.latentDim}`);
  const act = ACTIVATIONS[d.activation];
  let x: Float32Array = Float32Array.from(latent);
  return d.layers.map((l) => {
    const [h, w, c] = l.shape as [number, number, number];
    if (l.kind === "dense") x = dense(x, l.weights, l.bias);
    else x = convolve(x, l.inShape as [number, number, number], l, h, d.simd);
    const f = l.activation === "sigmoid" ? sigmoid : l.activation ? act : null;
    if (f) for (let i = 0; i < x.length; i++) x[i] = f(x[i]!);
    return { name: l.name, kind: l.kind, height: h, width: w, channels: c, data: x };
  });
}
