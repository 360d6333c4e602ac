// Colour maps as 256-entry RGBA look-up tables, built from d3-scale-chromatic.
// Viridis (perceptually uniform, colour-blind safe) for activations; RdBu (diverging) for signed
// values such as differences; "ink" (white paper, black ink) for images of digits.
import { interpolateCividis, interpolateRdBu, interpolateViridis } from "d3-scale-chromatic";

export type ColormapName = "viridis" | "cividis" | "rdbu" | "ink";

/** 256 x RGBA bytes. */
export type Lut = Uint8ClampedArray;

const interpolators: Record<Exclude<ColormapName, "ink">, (t: number) => string> = {
  viridis: interpolateViridis,
  cividis: interpolateCividis,
  // d3's RdBu runs red (0) -> white (0.5) -> blue (1): negative values are red, positive blue.
  rdbu: interpolateRdBu,
};

/** Parses "#rrggbb" or "rgb(r, g, b)" (the two forms d3 interpolators return). */
export function parseColor(css: string): [number, number, number] {
  const s = css.trim();
  if (s.startsWith("#") && s.length === 7) {
    return [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16)];
  }
  const m = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/.exec(s);
  if (!m) throw new Error(`unparseable colour ${css}`);
  return [Math.round(Number(m[1])), Math.round(Number(m[2])), Math.round(Number(m[3]))];
}

export function buildLut(name: ColormapName): Lut {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    let rgb: [number, number, number];
    if (name === "ink") {
      const v = 255 - i;
      rgb = [v, v, v];
    } else {
      rgb = parseColor(interpolators[name](i / 255));
    }
    lut[i * 4] = rgb[0];
    lut[i * 4 + 1] = rgb[1];
    lut[i * 4 + 2] = rgb[2];
    lut[i * 4 + 3] = 255;
  }
  return lut;
}

// Tables are constants once built; the cache only saves rebuilding them.
const cache = new Map<ColormapName, Lut>();

export function lut(name: ColormapName): Lut {
  let t = cache.get(name);
  if (!t) {
    t = buildLut(name);
    cache.set(name, t);
  }
  return t;
}

/** CSS linear-gradient for a legend of the given map (11 stops are plenty for a 100 px bar). */
export function cssGradient(name: ColormapName, stops = 11): string {
  const table = lut(name);
  const parts: string[] = [];
  for (let k = 0; k < stops; k++) {
    const i = Math.round((k / (stops - 1)) * 255);
    parts.push(`rgb(${table[i * 4]},${table[i * 4 + 1]},${table[i * 4 + 2]}) ${((k / (stops - 1)) * 100).toFixed(0)}%`);
  }
  return `linear-gradient(to right, ${parts.join(", ")})`;
}

const packed = new WeakMap<Lut, Uint32Array>();

/** The table's 256 opaque colours as 32-bit pixels, in the platform's byte order (for a Uint32Array
 * view of ImageData bytes). */
export function packedLut(table: Lut): Uint32Array {
  let out = packed.get(table);
  if (!out) {
    out = new Uint32Array(256);
    const bytes = new Uint8Array(out.buffer);
    for (let k = 0; k < 256; k++) {
      bytes.set([table[k * 4]!, table[k * 4 + 1]!, table[k * 4 + 2]!, 255], k * 4);
    }
    packed.set(table, out);
  }
  return out;
}
