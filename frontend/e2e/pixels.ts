// Reading what the page painted: canvas pixels as numbers, evaluated inside the page.
import type { Locator, Page } from "playwright-core";

declare global {
  interface Window {
    canvasRgba(canvas: HTMLCanvasElement): Uint8ClampedArray;
  }
}

/**
 * Installed in every test page (browser.ts): `window.canvasRgba(canvas)` returns the canvas's RGBA
 * bytes whatever its context. The app paints images through "bitmaprenderer" canvases, which have no
 * getImageData; drawing one onto a scratch 2D canvas at the same size copies its pixels exactly.
 */
export function installCanvasReader(): void {
  window.canvasRgba = (c) => {
    const scratch = document.createElement("canvas");
    scratch.width = c.width;
    scratch.height = c.height;
    const ctx = scratch.getContext("2d", { willReadFrequently: true })!;
    ctx.drawImage(c, 0, 0);
    return ctx.getImageData(0, 0, c.width, c.height).data;
  };
}

export interface CanvasStats {
  width: number;
  height: number;
  /** Fraction of pixels with alpha 255: 1 when ImageData was painted over the whole canvas. */
  opaque: number;
  /** Fraction of pixels with any paint at all (alpha > 0). */
  inked: number;
  /** Distinct RGB colours (capped): 1 for a flat canvas. */
  colours: number;
  /** Mean darkness 0..1 (1 - luminance / 255), over opaque pixels. */
  darkness: number;
}

/** Stats of every canvas the locator matches, in one round trip. */
export async function allCanvasStats(loc: Locator): Promise<CanvasStats[]> {
  return loc.evaluateAll((els) =>
    els.map((el) => {
      const c = el as HTMLCanvasElement;
      const d = window.canvasRgba(c);
      let opaque = 0;
      let inked = 0;
      let dark = 0;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3]! > 0) inked++;
        if (d[i + 3] === 255) {
          opaque++;
          dark += 1 - (0.2126 * d[i]! + 0.7152 * d[i + 1]! + 0.0722 * d[i + 2]!) / 255;
        }
        if (seen.size < 64) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      }
      const n = d.length / 4;
      return { width: c.width, height: c.height, opaque: opaque / n, inked: inked / n, colours: seen.size, darkness: opaque ? dark / opaque : 0 };
    }),
  );
}

export async function canvasStats(loc: Locator): Promise<CanvasStats> {
  const [s] = await allCanvasStats(loc);
  if (!s) throw new Error("no canvas");
  return s;
}

/** The canvas's RGBA bytes as a plain array (for before/after comparisons). */
export async function canvasPixels(loc: Locator): Promise<number[]> {
  return loc.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    return Array.from(window.canvasRgba(c));
  });
}

/** Fraction of pixels whose RGB differs by more than `tol`. */
export function changedFraction(a: number[], b: number[], tol = 2): number {
  if (a.length !== b.length) return 1;
  let changed = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (Math.abs(a[i]! - b[i]!) > tol || Math.abs(a[i + 1]! - b[i + 1]!) > tol || Math.abs(a[i + 2]! - b[i + 2]!) > tol) changed++;
  }
  return changed / (a.length / 4);
}

/** Polls `fn` until it returns a truthy value (returned) or the timeout passes (throws with `what`). */
export async function until<T>(what: string, fn: () => Promise<T>, timeoutMs = 20_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** Counts WebSocket messages of each `type` the page receives (wire-level, not the app's view). */
export function countWsMessages(page: Page): Record<string, number> {
  const counts: Record<string, number> = {};
  page.on("websocket", (ws) => {
    ws.on("framereceived", (f) => {
      // A binary frame (explore protocol 2) starts with its JSON header's length, then the header.
      const text = typeof f.payload === "string" ? f.payload : f.payload.subarray(4, 4 + f.payload.readUInt32LE(0)).toString("utf8");
      const m = /"type"\s*:\s*"([a-z_]+)"/.exec(text);
      if (m) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
    });
  });
  return counts;
}

export interface ChannelStats {
  opaque: number;
  colours: number;
}

/** Per-channel stats of a layer atlas canvas (channels laid out in a grid with 1 px gaps). */
export async function atlasStats(loc: Locator): Promise<ChannelStats[]> {
  return loc.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const cols = Number(c.dataset.cols);
    const w = Number(c.dataset.w);
    const h = Number(c.dataset.h);
    const n = Number(c.dataset.channels);
    const d = window.canvasRgba(c);
    const out: { opaque: number; colours: number }[] = [];
    for (let ch = 0; ch < n; ch++) {
      const x0 = (ch % cols) * (w + 1);
      const y0 = Math.floor(ch / cols) * (h + 1);
      let opaque = 0;
      const seen = new Set<number>();
      for (let y = y0; y < y0 + h; y++) {
        for (let x = x0; x < x0 + w; x++) {
          const i = (y * c.width + x) * 4;
          if (d[i + 3] === 255) opaque++;
          seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
        }
      }
      out.push({ opaque: opaque / (w * h), colours: seen.size });
    }
    return out;
  });
}
