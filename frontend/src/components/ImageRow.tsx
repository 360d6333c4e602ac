// A row of small decoded images (an interpolation strip, a row of a traversal grid, prior samples).
import { Heatmap } from "./Heatmap";

export function ImageRow(props: {
  images: Float32Array[];
  width: number;
  height: number;
  zoom: number;
  label: (i: number) => string;
  testId?: (i: number) => string;
  /** An image to frame (a traversal's current code). */
  highlight?: number;
}) {
  return (
    <>
      {props.images.map((im, i) => (
        <Heatmap
          key={i}
          values={im}
          width={props.width}
          height={props.height}
          lo={0}
          hi={1}
          cmap="ink"
          zoom={props.zoom}
          label={props.label(i) + (i === props.highlight ? " (the current code)" : "")}
          testId={props.testId?.(i)}
          className={i === props.highlight ? "walk-image current" : "walk-image"}
        />
      ))}
    </>
  );
}
