import { afterEach, describe, expect, it, vi } from "vitest";
import { paintRgba } from "./paint";
import type { Rgba } from "./imagedata";

class FakeImageData {
  constructor(
    readonly data: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
  ) {}
}

/** An OffscreenCanvas whose bitmaps are the ImageData last put on it. */
class FakeOffscreen {
  static made = 0;
  private last: FakeImageData | null = null;
  constructor(
    public width: number,
    public height: number,
  ) {
    FakeOffscreen.made++;
  }
  getContext() {
    return { putImageData: (d: FakeImageData) => (this.last = d) };
  }
  transferToImageBitmap() {
    const bitmap = { pixels: this.last, width: this.width, height: this.height };
    this.last = null;
    return bitmap;
  }
}

function fakeCanvas() {
  const asked: string[] = [];
  const shown: unknown[] = [];
  const put: FakeImageData[] = [];
  const canvas = {
    getContext(kind: string) {
      asked.push(kind);
      if (kind === "bitmaprenderer") return { transferFromImageBitmap: (b: unknown) => shown.push(b) };
      return { putImageData: (d: FakeImageData) => put.push(d) };
    },
  } as unknown as HTMLCanvasElement;
  return { canvas, asked, shown, put };
}

const rgba = (width: number, height: number, fill: number): Rgba => ({ width, height, data: new Uint8ClampedArray(width * height * 4).fill(fill) });

describe("paintRgba", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("hands the canvas a bitmap of the pixels, with no 2D context", () => {
    vi.stubGlobal("ImageData", FakeImageData);
    vi.stubGlobal("OffscreenCanvas", FakeOffscreen);
    const c = fakeCanvas();
    paintRgba(c.canvas, rgba(3, 2, 7));
    expect(c.asked).toEqual(["bitmaprenderer"]);
    expect(c.put).toEqual([]);
    const [bitmap] = c.shown as { pixels: FakeImageData; width: number; height: number }[];
    expect(bitmap!.width).toBe(3);
    expect(bitmap!.height).toBe(2);
    expect(Array.from(bitmap!.pixels.data)).toEqual(new Array(24).fill(7));
  });

  it("reuses one scratch canvas, resized to each image", () => {
    vi.stubGlobal("ImageData", FakeImageData);
    vi.stubGlobal("OffscreenCanvas", FakeOffscreen);
    const made = FakeOffscreen.made;
    const c = fakeCanvas();
    paintRgba(c.canvas, rgba(28, 28, 1));
    paintRgba(c.canvas, rgba(7, 7, 2));
    expect(FakeOffscreen.made - made).toBeLessThanOrEqual(1);
    const sizes = (c.shown as { width: number; height: number }[]).map((b) => `${b.width}x${b.height}`);
    expect(sizes).toEqual(["28x28", "7x7"]);
  });

  it("puts the pixels on a 2D context where OffscreenCanvas is missing, without asking for a bitmap renderer", () => {
    vi.stubGlobal("ImageData", FakeImageData);
    vi.stubGlobal("OffscreenCanvas", undefined);
    const c = fakeCanvas();
    paintRgba(c.canvas, rgba(2, 2, 9));
    expect(c.asked).toEqual(["2d"]);
    expect(c.put).toHaveLength(1);
    expect(Array.from(c.put[0]!.data)).toEqual(new Array(16).fill(9));
  });
});
