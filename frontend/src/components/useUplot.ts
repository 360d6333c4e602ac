// One uPlot chart in a box: made once (per height), as wide as its box and following its width;
// data goes in through the returned chart's setData, not a new chart.
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
