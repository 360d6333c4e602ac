// A view of the lab as a link: the model, the tab, the input (a test image, or a drawing packed into a
// few hundred characters), the sliders once moved, the map and the Compare pair, in the URL's fragment
// (`#model=…&tab=…`), which never reaches the server. Pure functions, tested in url.test.ts: `encodeLink`
// writes a fragment, `decodeLink` reads one back and never throws (a part it cannot read is dropped and
// named), and `checkLink` drops what no longer makes sense for the service's models and datasets.
import { IMAGE_PIXELS, SPEC_BOUNDS } from "../api/generated/spec";
import type { DatasetInfo, MapMethod, ModelSummary } from "../api/types";
import type { Tab } from "./slices/page";

export const TABS: readonly Tab[] = ["explore", "compare", "build", "sweeps"];
export const MAP_METHODS: readonly MapMethod[] = ["pca", "tsne", "umap", "latent"];
/** Longer fragments are not read at all: a whole view (64 sliders and a busy drawing) is under 3,000. */
export const MAX_LINK_CHARS = 8192;
/** Slider values further out than this are no code a model makes: the part is dropped. */
export const MAX_LATENT_ABS = 1e4;
const MAX_LATENT_DIM = SPEC_BOUNDS.latent_dim.max;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

export type LinkInput =
  | { kind: "sample"; dataset: string; index: number }
  /** A drawing as 784 bytes (the pixels times 255, rounded). */
  | { kind: "drawing"; pixels: Uint8Array };

/** What a link says; every part is optional (a part not given keeps the page's default). */
export interface ViewLink {
  model?: string;
  tab?: Tab;
  input?: LinkInput;
  /** The sliders' values, only when moved away from the input's code. */
  latent?: number[];
  map?: MapMethod;
  /** Compare's second model (the first is `model`). */
  compare?: string;
  /** The "How it learned" timeline's frame: read and written here, applied once that panel exists. */
  frame?: number;
}

/** A link read back: what can be used, and a short name for each part that was dropped. */
export interface ReadLink {
  view: ViewLink;
  dropped: string[];
}

// ---- the drawing's packing -------------------------------------------------------------------
// Bytes: 0..127 is a run of 1..128 zero pixels; 128..255 is 1..128 literal pixels that follow. Zero
// runs shorter than 3 stay inside a literal (cheaper than two tokens). A test digit packs to ~200
// bytes, ~270 characters of base64url; "r" names this packing so another can follow.

const PACKING = "r";

export function packPixels(pixels: ArrayLike<number>): string {
  const out: number[] = [];
  const n = pixels.length;
  let i = 0;
  const zeros = (at: number) => {
    let k = at;
    while (k < n && pixels[k] === 0 && k - at < 128) k++;
    return k - at;
  };
  while (i < n) {
    const z = zeros(i);
    if (z >= 3 || (z > 0 && i + z === n)) {
      out.push(z - 1);
      i += z;
      continue;
    }
    const start = i;
    while (i < n && i - start < 128) {
      const run = zeros(i);
      if (run >= 3 || (run > 0 && i + run === n)) break;
      i = run > 0 ? Math.min(i + run, start + 128) : i + 1;
    }
    out.push(127 + (i - start));
    for (let k = start; k < i; k++) out.push(pixels[k]!);
  }
  return PACKING + toBase64Url(Uint8Array.from(out));
}

/** The 784 pixels back, or null for anything that is not exactly such a packing. */
export function unpackPixels(text: string): Uint8Array | null {
  if (text[0] !== PACKING) return null;
  const bytes = fromBase64Url(text.slice(1));
  if (!bytes) return null;
  const pixels = new Uint8Array(IMAGE_PIXELS);
  let at = 0;
  for (let i = 0; i < bytes.length; ) {
    const c = bytes[i++]!;
    if (c < 128) {
      at += c + 1; // already zero
    } else {
      const len = c - 127;
      if (i + len > bytes.length || at + len > IMAGE_PIXELS) return null;
      pixels.set(bytes.subarray(i, i + len), at);
      i += len;
      at += len;
    }
    if (at > IMAGE_PIXELS) return null;
  }
  return at === IMAGE_PIXELS ? pixels : null;
}

/** Pixels in 0..1 as the bytes a link carries. */
export function toBytes(image: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(image, (x) => Math.round(Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0)) * 255));
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) s += B64[(n >> (18 - 6 * k)) & 63];
  }
  return s;
}

function fromBase64Url(s: string): Uint8Array | null {
  if (s.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((s.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const ch of s) {
    const v = B64.indexOf(ch);
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}

// ---- the fragment ------------------------------------------------------------------------------

/** The fragment (without "#") for a view; the parts in a fixed order, defaults left out. */
export function encodeLink(view: ViewLink): string {
  const parts: string[] = [];
  const put = (key: string, value: string) => parts.push(`${key}=${encodeURIComponent(value).replace(/%2C/g, ",").replace(/%3A/g, ":")}`);
  if (view.model) put("model", view.model);
  if (view.tab && view.tab !== "explore") put("tab", view.tab);
  if (view.input?.kind === "sample") put("test", `${view.input.dataset}:${view.input.index}`);
  if (view.input?.kind === "drawing") put("draw", packPixels(view.input.pixels));
  // The shortest text that reads back as the same number: the restored sliders are the same values.
  if (view.latent?.length) put("z", view.latent.map((v) => (Object.is(v, -0) ? "-0" : String(v))).join(","));
  if (view.map && view.map !== "pca") put("map", view.map);
  if (view.compare) put("vs", view.compare);
  if (view.frame !== undefined) put("frame", String(view.frame));
  return parts.join("&");
}

/** Reads a fragment ("#…" or without the "#"); never throws. Unknown keys are ignored (a newer link). */
export function decodeLink(fragment: string): ReadLink {
  const view: ViewLink = {};
  const dropped: string[] = [];
  try {
    const text = fragment.startsWith("#") ? fragment.slice(1) : fragment;
    if (!text) return { view, dropped };
    if (text.length > MAX_LINK_CHARS) return { view, dropped: ["the whole link (too long)"] };
    for (const part of text.split("&")) {
      const eq = part.indexOf("=");
      if (eq <= 0) continue;
      const key = part.slice(0, eq);
      let value: string;
      try {
        value = decodeURIComponent(part.slice(eq + 1));
      } catch {
        dropped.push(`its ${key} (unreadable)`);
        continue;
      }
      const problem = readPart(view, key, value);
      if (problem) dropped.push(problem);
    }
  } catch {
    return { view: {}, dropped: ["the whole link (unreadable)"] };
  }
  return { view, dropped };
}

/** Puts one key's value into `view`; returns what was dropped, if anything. */
function readPart(view: ViewLink, key: string, value: string): string | null {
  switch (key) {
    case "model":
    case "vs":
      if (!ID.test(value)) return key === "model" ? "its model id" : "its Compare model id";
      if (key === "model") view.model = value;
      else view.compare = value;
      return null;
    case "tab":
      if (!(TABS as readonly string[]).includes(value)) return `its tab “${short(value)}”`;
      view.tab = value as Tab;
      return null;
    case "test": {
      const m = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63}):(\d{1,9})$/.exec(value);
      if (!m) return "its test image";
      view.input = { kind: "sample", dataset: m[1]!, index: Number(m[2]) };
      return null;
    }
    case "draw": {
      const pixels = unpackPixels(value);
      if (!pixels) return "its drawing";
      view.input = { kind: "drawing", pixels };
      return null;
    }
    case "z": {
      const items = value.split(",");
      if (items.length > MAX_LATENT_DIM || !items.every((x) => NUMBER.test(x))) return "its slider values";
      const latent = items.map(Number);
      if (!latent.every((v) => Number.isFinite(v) && Math.abs(v) <= MAX_LATENT_ABS)) return "its slider values (out of range)";
      view.latent = latent;
      return null;
    }
    case "map":
      if (!(MAP_METHODS as readonly string[]).includes(value)) return `its map “${short(value)}”`;
      view.map = value as MapMethod;
      return null;
    case "frame":
      if (!/^\d{1,6}$/.test(value)) return "its timeline frame";
      view.frame = Number(value);
      return null;
    default:
      return null;
  }
}

const short = (s: string) => (s.length > 48 ? `${s.slice(0, 48)}…` : s);

// ---- what still makes sense ----------------------------------------------------------------------

/** The link checked against the service's models and datasets: `model` is the one to open (the link's,
 * or `fallback` when it is gone), and each part that no longer fits is dropped and named. */
export function checkLink(link: ViewLink, models: readonly ModelSummary[], datasets: readonly DatasetInfo[], fallback: ModelSummary | undefined): ReadLink {
  const dropped: string[] = [];
  const view: ViewLink = { ...link };
  let model = models.find((m) => m.id === link.model);
  if (link.model && !model) {
    dropped.push(`its model “${short(link.model)}” (no longer here)`);
    // Slider values belong to the link's model: another model's code means something else.
    if (view.latent) dropped.push("its slider values (for that model)");
    delete view.latent;
  }
  model ??= fallback;
  if (!model) return { view: {}, dropped: link.model ? dropped : [] };
  view.model = model.id;
  const dims = model.spec.latent_dim;
  if (view.input?.kind === "sample") {
    const { dataset, index } = view.input;
    const info = datasets.find((d) => d.name === dataset);
    if (dataset !== model.dataset) dropped.push(`its test image (from ${short(dataset)}, the model reads ${model.dataset})`);
    else if (datasets.length && !info) dropped.push(`its test image (no dataset ${short(dataset)})`);
    else if (info?.test_size != null && index >= info.test_size) dropped.push(`its test image #${index} (${dataset} has ${info.test_size})`);
    if (dropped.at(-1)?.startsWith("its test image")) delete view.input;
  }
  if (view.latent && view.latent.length !== dims) {
    dropped.push(`its slider values (${view.latent.length} for a model with ${dims})`);
    delete view.latent;
  }
  if (view.map === "latent" && dims !== 2) {
    dropped.push("its latent-plane map (the model's code is not 2-D)");
    delete view.map;
  }
  if (view.compare && !models.some((m) => m.id === view.compare)) {
    dropped.push(`its Compare model “${short(view.compare)}” (no longer here)`);
    delete view.compare;
  }
  return { view, dropped };
}

/** The notice for the dropped parts of a link. */
export function droppedNotice(dropped: readonly string[]): string {
  return `This link could not be restored in full: dropped ${dropped.join("; ")}. Showing the rest.`;
}
