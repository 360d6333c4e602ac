// The model's loss curve with a marker at the timeline's frame: every batch's loss as a line (uPlot),
// the frame's step as a vertical line drawn over it (moved without re-setting the data).
import { useEffect, useRef } from "react";
import { ChartBox, useUplot } from "./Chart";

export function TimelineLoss(props: { losses: (number | null)[]; step: number; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const step = useRef(props.step);
  step.current = props.step;
  const plot = useUplot(box, props.height ?? 150, () => ({
    scales: { x: { time: false }, y: { auto: true } },
    legend: { show: false },
    cursor: { show: false },
    axes: [
      { label: "step", stroke: "#333", grid: { stroke: "#e6e6e6" } },
      { label: "loss", stroke: "#333", grid: { stroke: "#e6e6e6" }, size: 56 },
    ],
    series: [{}, { label: "batch loss", stroke: "#31688e", width: 1, points: { show: false } }],
    hooks: {
      draw: [
        (u) => {
          const x = Math.round(u.valToPos(step.current, "x", true));
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = "#d95f02";
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        },
      ],
    },
  }));

  useEffect(() => {
    const xs = props.losses.map((_, i) => i + 1); // loss i is the (i + 1)-th step's
    plot.current?.setData([xs, props.losses]);
  }, [plot, props.losses]);
  useEffect(() => plot.current?.redraw(false), [plot, props.step]);

  return (
    <ChartBox
      box={box}
      className="timeline-loss"
      testId="timeline-loss"
      data={{ "data-step": props.step, "data-points": props.losses.length }}
      label={`Loss over ${props.losses.length} steps, marker at step ${props.step}`}
    />
  );
}
