// The drawing surface: mouse, touch and pen through pointer events. Every stroke segment
// schedules one preprocessing per animation frame; the explore socket sends only the newest.
import { useEffect, useRef } from "react";
import { mnistPreprocess, rgbaToInk, SIDE } from "../lib/viz/preprocess";

const SIZE = 280; // internal pixels; the stroke width is chosen so a digit looks like MNIST's
const STROKE = 20;

export interface DrawCanvasProps {
  /** The 28x28 image to show when `version` changes (a picked sample), or null to clear. */
  image: Float32Array | null;
  version: number;
  onDraw: (image28: Float32Array) => void;
  displaySize: number;
}

export function DrawCanvas({ image, version, onDraw, displaySize }: DrawCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const last = useRef<{ x: number; y: number } | null>(null);
  const frame = useRef<number | null>(null);
  const onDrawRef = useRef(onDraw);
  onDrawRef.current = onDraw;

  // Repaint from the given 28x28 image (smoothly upscaled) when a sample is picked or cleared.
  useEffect(() => {
    const ctx = ref.current?.getContext("2d", { willReadFrequently: true });
    if (!ctx) return;
    ctx.clearRect(0, 0, SIZE, SIZE);
    if (!image) return;
    const small = document.createElement("canvas");
    small.width = SIDE;
    small.height = SIDE;
    const sctx = small.getContext("2d")!;
    const px = new ImageData(SIDE, SIDE);
    for (let i = 0; i < SIDE * SIDE; i++) px.data[i * 4 + 3] = Math.round(image[i]! * 255);
    sctx.putImageData(px, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(small, 0, 0, SIZE, SIZE);
    // `image` is deliberately not a dependency: strokes change it too, and must not repaint.
  }, [version]);

  const schedule = () => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const ctx = ref.current?.getContext("2d", { willReadFrequently: true });
      if (!ctx) return;
      const rgba = ctx.getImageData(0, 0, SIZE, SIZE).data;
      onDrawRef.current(mnistPreprocess(rgbaToInk(rgba, SIZE, SIZE), SIZE, SIZE));
    });
  };

  useEffect(() => () => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
  }, []);

  const point = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * SIZE, y: ((e.clientY - r.top) / r.height) * SIZE };
  };

  const segment = (from: { x: number; y: number }, to: { x: number; y: number }, pressure: number) => {
    const ctx = ref.current?.getContext("2d", { willReadFrequently: true });
    if (!ctx) return;
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.lineWidth = STROKE * pressure;
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  };

  // Pens report pressure; mice and most touch screens report 0.5 while pressed.
  const pressureOf = (e: React.PointerEvent) => (e.pointerType === "pen" ? 0.6 + 0.8 * e.pressure : 1);

  return (
    <canvas
      ref={ref}
      width={SIZE}
      height={SIZE}
      className="draw-canvas"
      style={{ width: displaySize, height: displaySize }}
      aria-label="Drawing canvas: draw a digit with the mouse, a finger or a pen"
      data-testid="draw-canvas"
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        const p = point(e);
        last.current = p;
        segment(p, p, pressureOf(e));
        schedule();
      }}
      onPointerMove={(e) => {
        if (!last.current) return;
        const p = point(e);
        segment(last.current, p, pressureOf(e));
        last.current = p;
        schedule();
      }}
      onPointerUp={() => {
        last.current = null;
      }}
      onPointerCancel={() => {
        last.current = null;
      }}
    />
  );
}
