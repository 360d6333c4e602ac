// Every job's batch loss on one chart, live while they train, in the colours of their points on the metric chart.
// Data is replaced at most once per animation frame, like the Train view's loss chart.
import { useEffect, useRef } from "react";
import type { SweepJob } from "../api/types";
import { curvesData, paramsLabel } from "../lib/sweep";
import { ChartBox, useUplot } from "./Chart";

export function SweepCurves(props: { jobs: SweepJob[]; curves: Record<string, (number | null)[]>; colours: Map<string, string> }) {
  const { jobs, colours } = props;
  const box = useRef<HTMLDivElement>(null);
  const frame = useRef<number | null>(null);
  const latest = useRef(props);
  latest.current = props;

  const chart = useUplot(box, 240, () => ({
    scales: { x: { time: false }, y: { auto: true } },
    legend: { show: jobs.length <= 12, live: false },
    cursor: { drag: { x: false, y: false } },
    axes: [
      { label: "step (batch)", stroke: "#333", grid: { stroke: "#e6e6e6" } },
      { label: "batch loss", stroke: "#333", grid: { stroke: "#e6e6e6" }, size: 60 },
    ],
    series: [
      {},
      ...jobs.map((j) => ({ label: paramsLabel(j.params), stroke: colours.get(j.job_id) ?? "#555", width: 1, points: { show: false } })),
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
  }, [props.curves, props.jobs, chart]);

  const points = jobs.reduce((n, j) => n + (props.curves[j.job_id]?.length ?? 0), 0);
  const curves = jobs.filter((j) => props.curves[j.job_id]?.length).length;
  return (
    <ChartBox
      box={box}
      className="sweep-curves"
      testId="sweep-curves"
      data={{ "data-points": points, "data-curves": curves }}
      label={`Loss curves of ${curves} of ${jobs.length} jobs, ${points} batch losses in all`}
    />
  );
}
