// Reading a safetensors file (a uint64 little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then the bytes): float32 tensors only, which is all a decoder file holds.

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: Map<string, Tensor>;
}

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Throws an Error that says what is wrong with a file that is not one. */
export function readSafetensors(buffer: ArrayBuffer): SafetensorsFile {
  if (buffer.byteLength < 8) throw new Error("not a safetensors file: too short");
  const view = new DataView(buffer);
  const size = Number(view.getBigUint64(0, true));
  if (size > buffer.byteLength - 8) throw new Error("not a safetensors file: bad header length");
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, size))) as Record<string, unknown>;
  } catch {
    throw new Error("not a safetensors file: its header is not JSON");
  }
  const body = 8 + size;
  const tensors = new Map<string, Tensor>();
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = value as Entry;
    if (e.dtype !== "F32") throw new Error(`tensor ${name}: dtype ${e.dtype}, only F32 is read`);
    const [start, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (end - start !== count * 4 || body + end > buffer.byteLength) throw new Error(`tensor ${name}: its bytes do not fit its shape`);
    // A copy: the header's length leaves the body unaligned for a Float32Array view.
    tensors.set(name, { shape: e.shape, data: new Float32Array(buffer.slice(body + start, body + end)) });
  }
  return { metadata: (header.__metadata__ ?? {}) as Record<string, string>, tensors };
}
