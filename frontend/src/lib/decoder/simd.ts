// The convolutions' inner loop (`convolve` in ./decoder.ts) in WebAssembly SIMD (four float32 lanes), about ten
// times the plain TypeScript loop in V8: for one input pixel, the sum over its input channels of the channel's
// value times that channel's whole kernel. The module is 252 bytes, assembled below by hand so that it needs no
// toolchain; its text form:
//
//   (func (export "colsum") (param $cols i32) (param $x i32) (param $w i32) (param $cin i32) (param $span i32)
//     (local $ci i32) (local $j i32) (local $wp i32) (local $bytes i32) (local $a v128) (local $v f32)
//     $bytes = $span << 2
//     for $j in [0, $bytes) step 16:  v128.store($cols + $j, 0)
//     $wp = $w
//     for $ci in [0, $cin):
//       $v = f32.load($x + 4 $ci)
//       if $v != 0:                                   ;; after a ReLU many inputs are 0
//         $a = f32x4.splat($v)
//         for $j in [0, $bytes) step 16:
//           v128.store($cols + $j, f32x4.add(v128.load($cols + $j), f32x4.mul($a, v128.load($wp + $j))))
//       $wp += $bytes)
//
// Addresses are bytes into the imported memory; `span` must be a multiple of 4 (kernels are padded to it).

/** Float32 buffers in one WebAssembly memory, and the column sum over them. Offsets and sizes in floats. */
export interface ColumnSums {
  readonly heap: Float32Array;
  /** heap[cols + j] = sum over c < cin of heap[x + c] * heap[w + c * span + j], for j < span (a multiple of 4). */
  sum(cols: number, x: number, w: number, cin: number, span: number): void;
}

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const name = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];

// Instructions (the WebAssembly core and SIMD opcode tables).
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32 = (n: number) => [0x41, n]; // small non-negative constants only (one LEB byte)
const [I32_ADD, I32_SHL, I32_GE_U, F32_NE, F32_LOAD] = [0x6a, 0x74, 0x4f, 0x5c, 0x2a];
const [BLOCK, LOOP, IF, END, BR, BR_IF, VOID] = [0x02, 0x03, 0x04, 0x0b, 0x0c, 0x0d, 0x40];
const V128_LOAD = [0xfd, 0x00, 4, 0]; // align 2^4, offset 0
const V128_STORE = [0xfd, 0x0b, 4, 0];
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const F32X4_SPLAT = [0xfd, 0x13];
const F32X4_ADD = [0xfd, 0xe4, 0x01];
const F32X4_MUL = [0xfd, 0xe6, 0x01];
const [I32T, F32T, V128T] = [0x7f, 0x7d, 0x7b];

const [COLS, X, W, CIN, SPAN, CI, J, WP, BYTES, A, V] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
/** `for $j in [0, $bytes) step 16: body` */
const overSpan = (body: number[]) => [
  ...i32(0), ...set(J),
  BLOCK, VOID, LOOP, VOID,
  ...get(J), ...get(BYTES), I32_GE_U, BR_IF, 1,
  ...body,
  ...get(J), ...i32(16), I32_ADD, ...set(J),
  BR, 0, END, END,
];
// prettier-ignore
const BODY = [
  3, 4, I32T, 1, V128T, 1, F32T, // locals $ci $j $wp $bytes, $a, $v
  ...get(SPAN), ...i32(2), I32_SHL, ...set(BYTES),
  ...overSpan([...get(COLS), ...get(J), I32_ADD, ...V128_ZERO, ...V128_STORE]),
  ...get(W), ...set(WP), ...i32(0), ...set(CI),
  BLOCK, VOID, LOOP, VOID,
  ...get(CI), ...get(CIN), I32_GE_U, BR_IF, 1,
  ...get(X), ...get(CI), ...i32(2), I32_SHL, I32_ADD, F32_LOAD, 2, 0, ...tee(V),
  0x43, 0, 0, 0, 0, F32_NE, // f32.const 0
  IF, VOID,
  ...get(V), ...F32X4_SPLAT, ...set(A),
  ...overSpan([
    ...get(COLS), ...get(J), I32_ADD,
    ...get(COLS), ...get(J), I32_ADD, ...V128_LOAD,
    ...get(A), ...get(WP), ...get(J), I32_ADD, ...V128_LOAD, ...F32X4_MUL,
    ...F32X4_ADD, ...V128_STORE,
  ]),
  END,
  ...get(WP), ...get(BYTES), I32_ADD, ...set(WP),
  ...get(CI), ...i32(1), I32_ADD, ...set(CI),
  BR, 0, END, END,
  END,
];

export const COLSUM_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
  ...section(1, [1, 0x60, 5, I32T, I32T, I32T, I32T, I32T, 0]), // type: (i32 x5) -> ()
  ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 1]), // import env.memory (min 1 page)
  ...section(3, [1, 0]), // one function, of type 0
  ...section(7, [1, ...name("colsum"), 0x00, 0]), // export it
  ...section(10, [1, ...uleb(BODY.length), ...BODY]),
]);

let module: WebAssembly.Module | null | undefined;

/** Column sums over a heap of `floats` float32s, or null where WebAssembly SIMD is missing. */
export function columnSums(floats: number): ColumnSums | null {
  if (module === undefined) {
    try {
      module = typeof WebAssembly === "object" && WebAssembly.validate(COLSUM_MODULE) ? new WebAssembly.Module(COLSUM_MODULE) : null;
    } catch {
      module = null;
    }
  }
  if (!module) return null;
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((floats * 4) / 65536)) });
  const colsum = new WebAssembly.Instance(module, { env: { memory } }).exports.colsum as (...args: number[]) => void;
  return {
    heap: new Float32Array(memory.buffer),
    sum: (cols, x, w, cin, span) => colsum(cols * 4, x * 4, w * 4, cin, span),
  };
}
