// The frame's latent map: the map sample's points in their class colours, on a fixed scale (positions
// have unit RMS radius in every frame), so the cloud's shape morphs and never jumps in size.
import { useEffect, useMemo, useRef } from "react";
import { fitScale } from "../lib/viz/mapscale";
import { paintMap } from "../lib/viz/mappaint";
import { mapColouring, OTHER_COLOUR } from "../lib/viz/mapcolours";

const SIZE = 260;
const REACH = 3; // unit RMS radius: nearly every point lies within 3

export function TimelineMap(props: { points: [number, number][]; labels: number[]; step: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const scale = useMemo(() => fitScale([[-REACH, -REACH], [REACH, REACH]], SIZE, SIZE, 6), []);
  // The same sample in every frame: its colours (every class, or the ten largest) stay put.
  const colouring = useMemo(() => mapColouring(props.labels), [props.labels]);
  useEffect(() => {
    const ctx = ref.current?.getContext("2d");
    const muted = colouring.mode === "classes" ? null : OTHER_COLOUR;
    if (ctx) paintMap(ctx, { points: props.points, labels: props.labels }, scale, null, () => ({ canvas: ref.current!, put: () => {} }), colouring.colourOf, muted);
  }, [props.points, props.labels, scale, colouring]);
  return (
    <canvas
      ref={ref}
      width={SIZE}
      height={SIZE}
      className="timeline-map"
      data-testid="timeline-map"
      data-count={props.points.length}
      role="img"
      aria-label={`${props.points.length} test images on the latent map at step ${props.step}, coloured by class`}
    />
  );
}
