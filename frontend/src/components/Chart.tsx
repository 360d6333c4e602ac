// One uPlot chart in a box: made once (per height), as wide as its box and following its width;
// data goes in through the returned chart's setData, not a new chart. The box is an image to a screen
// reader, labelled with what the chart shows.
import { useEffect, useRef, type RefObject } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export type ChartOptions = Omit<uPlot.Options, "width" | "height">;

/** The chart in `box`, or null before it is made; `options` is read once, when it is made. */
export function useUplot(box: RefObject<HTMLDivElement | null>, height: number, options: () => ChartOptions): RefObject<uPlot | null> {
  const plot = useRef<uPlot | null>(null);
  const make = useRef(options);
  make.current = options;
  useEffect(() => {
    const el = box.current!;
    const width = () => Math.max(200, el.clientWidth);
    const opts = make.current();
    const empty: uPlot.AlignedData = [[], ...opts.series.slice(1).map(() => [])];
    const u = new uPlot({ ...opts, width: width(), height }, empty, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: width(), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [box, height]);
  return plot;
}

/** The chart's box; `data` are its data-* attributes (what tests read: points, epochs). */
export function ChartBox(props: { box: RefObject<HTMLDivElement | null>; className: string; testId: string; label: string; data: Record<`data-${string}`, number> }) {
  return <div className={props.className} ref={props.box} data-testid={props.testId} {...props.data} role="img" aria-label={props.label} />;
}
