// Every job's batch loss on one chart, live while they train: coloured by the swept value (as its point and
// table row), dashed by the line it belongs to. Data is replaced at most once per animation frame, like the
// Train view's loss chart.
import { useEffect, useRef } from "react";
import type { SweepJob } from "../api/types";
import { curvesData, jobColour, lineDash, paramsLabel, valueLabel, type JobStyle, type MetricPlot } from "../lib/sweep";
import { ChartBox, useUplot } from "./Chart";

/** Up to this many jobs the chart's own legend names each curve; beyond, the key below says colour and dash. */
const LEGEND_MAX = 6;

export function SweepCurves(props: {
  plot: MetricPlot;
  jobs: SweepJob[];
  curves: Record<string, (number | null)[]>;
  styles: Map<string, JobStyle>;
  /** The longest job's batches in all: the x axis spans it from the start, so a live curve shows how far it is. */
  maxSteps: number;
}) {
  const { jobs, styles, plot } = props;
  const box = useRef<HTMLDivElement>(null);
  const frame = useRef<number | null>(null);
  const latest = useRef(props);
  latest.current = props;

  const chart = useUplot(box, 240, () => ({
    scales: { x: { time: false, range: (_u, _min, max) => [0, Math.max(max ?? 0, latest.current.maxSteps - 1, 1)] }, y: { auto: true } },
    legend: { show: jobs.length <= LEGEND_MAX, live: false },
    cursor: { drag: { x: false, y: false } },
    axes: [
      { label: "step (batch)", stroke: "#333", grid: { stroke: "#e6e6e6" } },
      { label: "batch loss", stroke: "#333", grid: { stroke: "#e6e6e6" }, size: 60 },
    ],
    series: [
      {},
      ...jobs.map((j) => {
        const st = styles.get(j.job_id);
        return { label: paramsLabel(j.params), stroke: st?.colour ?? "#555", dash: st?.dash ?? [], width: 1.25, points: { show: false } };
      }),
    ],
  }));

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  useEffect(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const p = latest.current;
      chart.current?.setData(curvesData(p.jobs.map((j) => p.curves[j.job_id] ?? [])));
    });
  }, [props.curves, props.jobs, props.maxSteps, chart]);

  const points = jobs.reduce((n, j) => n + (props.curves[j.job_id]?.length ?? 0), 0);
  const curves = jobs.filter((j) => props.curves[j.job_id]?.length).length;
  return (
    <>
      <ChartBox
        box={box}
        className="sweep-curves"
        testId="sweep-curves"
        data={{ "data-points": points, "data-curves": curves }}
        label={`Loss curves of ${curves} of ${jobs.length} jobs, ${points} batch losses in all`}
      />
      {jobs.length > LEGEND_MAX && (
        <div className="sweep-key" aria-hidden="true">
          <span className="muted">colour: {plot.field}</span>
          {plot.xs.map((x, i) => (
            <span key={String(x)} className="sweep-key-item">
              <span className="swatch" style={{ background: jobColour(i, plot.xs.length) }} />
              {valueLabel(x)}
            </span>
          ))}
          {plot.lines.length > 1 && <span className="muted">· line:</span>}
          {plot.lines.length > 1 &&
            plot.lines.map((l, i) => (
              <span key={l.label} className="sweep-key-item">
                <svg width="26" height="8">
                  <line x1="0" y1="4" x2="26" y2="4" stroke="#333" strokeWidth="1.5" strokeDasharray={lineDash(i).join(" ")} />
                </svg>
                {l.label}
              </span>
            ))}
        </div>
      )}
    </>
  );
}
