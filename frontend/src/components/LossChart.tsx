// Live loss chart (uPlot: built for streaming): every batch's loss as a line, each epoch's
// test loss as a marker. Data is replaced at most once per animation frame.
import { useEffect, useRef } from "react";
import type { EpochMetrics } from "../api/types";
import { lossData } from "../lib/chart";
import { ChartBox, useUplot } from "./Chart";

export function LossChart(props: { losses: (number | null)[]; epochs: EpochMetrics[]; totalSteps: number; stepsPerEpoch: number; height?: number; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const total = useRef(props.totalSteps);
  total.current = props.totalSteps;
  const frame = useRef<number | null>(null);
  const latest = useRef(props);
  latest.current = props;

  const plot = useUplot(box, props.height ?? 220, () => ({
    scales: {
      x: { time: false, range: (_u, _min, max) => [0, Math.max(max ?? 0, total.current - 1, 1)] },
      y: { auto: true },
    },
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    axes: [
      { label: "step (batch)", stroke: "#333", grid: { stroke: "#e6e6e6" } },
      { label: "loss", stroke: "#333", grid: { stroke: "#e6e6e6" }, size: 56 },
    ],
    series: [
      {},
      { label: "batch loss", stroke: "#31688e", width: 1, points: { show: false } },
      {
        label: "test loss (per epoch)",
        stroke: "#d95f02",
        fill: "#d95f02",
        paths: () => null,
        points: { show: true, size: 9, stroke: "#d95f02", fill: "#fff", width: 2 },
      },
    ],
  }));
  useEffect(() => () => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
  }, []);

  useEffect(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const p = latest.current;
      plot.current?.setData(lossData(p.losses, p.epochs, p.stepsPerEpoch));
    });
  }, [props.losses, props.epochs, props.stepsPerEpoch]);

  return (
    <ChartBox
      box={box}
      className="loss-chart"
      testId={props.testId ?? "loss-chart"}
      data={{ "data-points": props.losses.length, "data-epochs": props.epochs.length }}
      label={`Loss chart: ${props.losses.length} batch losses${props.losses.length ? `, latest ${props.losses[props.losses.length - 1]?.toFixed(4) ?? "not finite"}` : ""}`}
    />
  );
}
