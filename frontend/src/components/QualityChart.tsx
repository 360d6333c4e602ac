// The test set's PSNR (dB, left axis) and SSIM (0..1, right axis) after each epoch: how good the
// reconstructions get, in the units the Explore view shows, beside the loss the model minimises.
import { useEffect, useRef } from "react";
import type { EpochMetrics } from "../api/types";
import { qualityData } from "../lib/chart";
import { num } from "../lib/format";
import { ChartBox, useUplot } from "./Chart";

const PSNR = "#1b7837";
const SSIM = "#762a83";

export function QualityChart(props: { epochs: EpochMetrics[]; totalEpochs: number; height?: number; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);

  const plot = useUplot(box, props.height ?? 200, () => ({
    scales: {
      // Whole epochs from 1 to the job's last, so the first point does not fill the chart.
      x: { time: false, auto: false },
      // At least 4 dB tall around the values, so one epoch's point sits inside a readable axis.
      db: {
        range: (_u, min, max) => {
          if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 30];
          const mid = (min + max) / 2;
          const half = Math.max(2, (max - min) / 2 + 1);
          return [Math.floor(mid - half), Math.ceil(mid + half)];
        },
      },
      ssim: { range: [0, 1] },
    },
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    axes: [
      { label: "epoch", stroke: "#333", grid: { stroke: "#e6e6e6" }, incrs: [1, 2, 5, 10, 20, 50] },
      { scale: "db", label: "PSNR (dB)", stroke: PSNR, grid: { stroke: "#e6e6e6" }, size: 56 },
      { scale: "ssim", side: 1, label: "SSIM", stroke: SSIM, grid: { show: false }, size: 50 },
    ],
    series: [
      {},
      { label: "test PSNR (dB)", scale: "db", stroke: PSNR, width: 2, points: { show: true, size: 7, fill: "#fff" } },
      { label: "test SSIM", scale: "ssim", stroke: SSIM, width: 2, dash: [5, 3], points: { show: true, size: 7, fill: "#fff" } },
    ],
  }));

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    const data = qualityData(props.epochs);
    u.setData(data);
    // Whole epochs from 1 to the job's last, so the first point does not fill the chart.
    const hi = Math.max(data[0].at(-1) ?? 1, props.totalEpochs);
    u.setScale("x", hi <= 1 ? { min: 0.5, max: 1.5 } : { min: 1, max: hi });
  }, [props.epochs, props.totalEpochs]);

  const last = props.epochs.length ? [...props.epochs].sort((a, b) => a.epoch - b.epoch).at(-1)! : null;
  return (
    <ChartBox
      box={box}
      className="quality-chart"
      testId={props.testId ?? "quality-chart"}
      data={{ "data-epochs": props.epochs.length }}
      label={
        last
          ? `Test PSNR and SSIM per epoch: after epoch ${last.epoch}, PSNR ${num(last.psnr)} dB, SSIM ${num(last.ssim)}`
          : "Test PSNR and SSIM per epoch: none yet"
      }
    />
  );
}
