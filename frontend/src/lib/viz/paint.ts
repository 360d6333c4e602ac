// Painting RGBA pixels into a <canvas> through an ImageBitmap ("bitmaprenderer" context).
// Why not putImageData on a 2D context: without a GPU, Chromium re-produces every 2D canvas's
// resource at each frame's commit, changed or not, so a page of 130 small images spends ~2-5 ms of
// every frame on canvases that did not change (docs/performance.md). A bitmaprenderer canvas only
// holds the bitmap it was given, and costs nothing while it does not change.
import type { Rgba } from "./imagedata";

let scratch: OffscreenCanvas | null = null;

function bitmapOf(img: Rgba): ImageBitmap | null {
  if (typeof OffscreenCanvas === "undefined") return null;
  if (!scratch) scratch = new OffscreenCanvas(img.width, img.height);
  if (scratch.width !== img.width) scratch.width = img.width;
  if (scratch.height !== img.height) scratch.height = img.height;
  const ctx = scratch.getContext("2d");
  if (!ctx) return null;
  ctx.putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
  return scratch.transferToImageBitmap();
}

/** Paints `img` over the whole canvas, synchronously; through a 2D context where OffscreenCanvas is missing. */
export function paintRgba(canvas: HTMLCanvasElement, img: Rgba): void {
  // Asked only where a bitmap can be made: a canvas keeps the first kind of context it gives.
  const renderer = typeof OffscreenCanvas === "undefined" ? null : canvas.getContext("bitmaprenderer");
  const bitmap = renderer ? bitmapOf(img) : null;
  if (renderer && bitmap) {
    renderer.transferFromImageBitmap(bitmap);
    return;
  }
  canvas.getContext("2d")?.putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
}
