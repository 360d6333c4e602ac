// A sweep's metric against one swept field, a line per value of the others. Each job's point is a button over
// the chart (so it can be clicked, shift-clicked and reached by keyboard): a click explores that model,
// shift-clicks on two put them into Compare.
import { useCallback, useEffect, useRef, useState } from "react";
import type uPlot from "uplot";
import type { SweepJob } from "../api/types";
import { lineColour, lineDash, metricData, METRICS, valueLabel, type JobStyle, type Metric, type MetricPlot } from "../lib/sweep";
import { num } from "../lib/format";
import { ChartBox, useUplot } from "./Chart";

interface Spot {
  job: SweepJob;
  left: number;
  top: number;
  colour: string;
  value: number;
}

export function SweepChart(props: {
  plot: MetricPlot;
  metric: Metric;
  styles: Map<string, JobStyle>;
  picked: string | null;
  onPick: (job: SweepJob, shift: boolean) => void;
}) {
  const { plot, metric, styles } = props;
  const box = useRef<HTMLDivElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const [spots, setSpots] = useState<Spot[]>([]);
  const label = METRICS.find((m) => m.id === metric)!.label;
  const current = useRef({ plot, styles });
  current.current = { plot, styles };

  // The points' places in the wrapper, read after every draw (data, size or scale changed).
  const place = useCallback((u: uPlot) => {
    const outer = wrap.current?.getBoundingClientRect();
    const over = u.over.getBoundingClientRect();
    if (!outer) return;
    const { plot: p, styles: st } = current.current;
    const out: Spot[] = [];
    p.lines.forEach((line, li) =>
      line.jobs.forEach((job, xi) => {
        const v = line.ys[xi];
        if (!job || v === null || v === undefined) return;
        const left = over.left - outer.left + u.valToPos(xi, "x");
        const top = over.top - outer.top + u.valToPos(v, u.series[li + 1]!.scale ?? "y");
        out.push({ job, left, top, value: v, colour: st.get(job.job_id)?.colour ?? "#333" });
      }),
    );
    setSpots(out);
  }, []);

  const chart = useUplot(box, 260, () => ({
    scales: {
      x: { time: false, range: () => [-0.5, Math.max(0.5, current.current.plot.xs.length - 0.5)] },
      y: {
        range: (_u, min, max) => {
          if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
          const pad = Math.max((max - min) * 0.15, Math.abs(max) * 0.02, 1e-3);
          return [min - pad, max + pad];
        },
      },
    },
    legend: { show: plot.lines.length > 1, live: false },
    cursor: { show: false },
    axes: [
      {
        label: plot.field,
        stroke: "#333",
        grid: { stroke: "#e6e6e6" },
        splits: () => current.current.plot.xs.map((_, i) => i),
        values: (_u, splits) => splits.map((i) => valueLabel(current.current.plot.xs[i])),
      },
      { label, stroke: "#333", grid: { stroke: "#e6e6e6" }, size: 60 },
    ],
    series: [
      {},
      ...plot.lines.map((line, li) => ({
        label: line.label || label,
        stroke: lineColour(li, plot.lines.length),
        dash: lineDash(li),
        width: 2,
        spanGaps: true,
        points: { show: false },
      })),
    ],
    hooks: { draw: [(u: uPlot) => place(u)] },
  }));

  useEffect(() => {
    chart.current?.setData(metricData(plot));
  }, [plot, chart]);

  const done = plot.lines.reduce((n, l) => n + l.ys.filter((v) => v !== null).length, 0);
  const better = METRICS.find((m) => m.id === metric)!.better;
  return (
    <div className="sweep-chart" ref={wrap}>
      <ChartBox
        box={box}
        className="sweep-metric-chart"
        testId="sweep-chart"
        data={{ "data-points": done }}
        label={`${label} against ${plot.field} (${better} is better): ${done} of ${plot.lines.reduce((n, l) => n + l.jobs.filter(Boolean).length, 0)} jobs measured`}
      />
      {spots.map((s) => (
        <button
          key={s.job.job_id}
          type="button"
          className={`sweep-point${props.picked === s.job.job_id ? " picked" : ""}`}
          style={{ left: s.left, top: s.top, background: s.colour }}
          data-testid="sweep-point"
          data-job={s.job.job_id}
          data-model={s.job.model_id ?? ""}
          aria-label={`${Object.entries(s.job.params).map(([k, v]) => `${k} ${valueLabel(v)}`).join(", ")}: ${label} ${num(s.value, 4)}. Click to explore, shift-click two to compare.`}
          title={`${Object.entries(s.job.params).map(([k, v]) => `${k}=${valueLabel(v)}`).join(", ")}\n${label}: ${num(s.value, 4)}\nclick: explore · shift-click two: compare`}
          onClick={(e) => props.onPick(s.job, e.shiftKey)}
        />
      ))}
    </div>
  );
}
