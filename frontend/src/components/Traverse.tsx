// Traversal: two code dimensions swept around the current code, every other dimension held; the
// grid shows what each direction of the latent space means to the decoder.
import { memo, useState } from "react";
import { useSessions } from "../state/context";
import { selectLatent, useExplore } from "../state/slices/explore";
import { selectModelId, useModel } from "../state/slices/model";
import { gridRows } from "../lib/viz/imagebatch";
import type { TraverseGrid as TraverseGridAnswer } from "../state/walks";
import { num } from "../lib/format";
import { ImageRow } from "./ImageRow";
import { InlineNumberSelect } from "./fields";
import { Panel } from "./Panel";
import { useLatest } from "./useLatest";

const STEPS = [5, 7, 9, 11];
const SPANS = [1, 2.5, 4, 6]; // in standard deviations of each dimension over the test set

function DimSelect(props: { label: string; value: number; dims: number; onChange: (d: number) => void; allowNone?: boolean; testId: string }) {
  return (
    <label className="field inline">
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange(Number(e.target.value))} data-testid={props.testId}>
        {props.allowNone && <option value={-1}>none (one row)</option>}
        {Array.from({ length: props.dims }, (_, i) => (
          <option key={i} value={i}>
            z{i}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Re-rendered only by a new answer: a slider drag (a new centre every frame) leaves the 81 images alone. */
const TraverseGrid = memo(function TraverseGrid({ grid, stale }: { grid: TraverseGridAnswer; stale: boolean }) {
  const rows = gridRows(grid.images, grid.dims.length);
  return (
    <div className={`traverse ${stale ? "stale" : ""}`} data-testid="traverse-grid" data-rows={rows.length} data-cols={rows[0]?.length ?? 0}>
      <span className="traverse-corner muted">
        {grid.dims.length > 1 ? `z${grid.dims[1]} ↓ z${grid.dims[0]} →` : `z${grid.dims[0]} →`}
      </span>
      <div className="traverse-cols">
        {grid.values[0]!.map((v, i) => (
          <span key={i}>{num(v, 2)}</span>
        ))}
      </div>
      {rows.map((row, r) => (
        <div className="traverse-row" key={r}>
          <span className="traverse-label">{grid.dims.length > 1 ? num(grid.values[1]![r]!, 2) : ""}</span>
          <ImageRow
            images={row}
            width={grid.width}
            height={grid.height}
            zoom={9 / 7}
            // Odd step counts put the current code in the middle of the sweep.
            highlight={grid.values[0]!.length % 2 === 1 && (grid.dims.length < 2 || r === (rows.length - 1) / 2) ? (row.length - 1) / 2 : undefined}
            label={(i) => `z${grid.dims[0]} = ${num(grid.values[0]![i]!)}${grid.dims.length > 1 ? `, z${grid.dims[1]} = ${num(grid.values[1]![r]!)}` : ""}`} />
        </div>
      ))}
    </div>
  );
});

export function Traverse() {
  const { explore } = useSessions();
  const modelId = useModel(selectModelId);
  // Around the current code: the sliders' values (the drawing's code until a slider moves).
  const latent = useExplore(selectLatent);
  const dims = latent?.length ?? 0;
  const [x, setX] = useState(0);
  const [y, setY] = useState(1);
  const [steps, setSteps] = useState(9);
  const [span, setSpan] = useState(2.5);
  const dx = Math.min(x, Math.max(0, dims - 1));
  const dy = y >= dims || y === dx ? -1 : y;
  const swept = dy < 0 ? [dx] : [dx, dy];
  const req = useLatest((signal) => explore.traverse(latent!, swept, steps, span, signal), [modelId, latent, dx, dy, steps, span], !!(modelId && latent && dims), 150);
  const grid = req.data;
  return (
    <Panel
      id="traverse"
      title="Traverse"
      className="walk"
      explain={`Sweep two numbers of the code around the current one (framed; ± ${span} std over the test set), the others held: what each direction means.`}
    >
      <div className="walk-controls">
        <DimSelect label="across" value={dx} dims={dims} onChange={setX} testId="traverse-x" />
        <DimSelect label="down" value={dy} dims={dims} onChange={setY} allowNone testId="traverse-y" />
        <InlineNumberSelect label="Steps" value={steps} options={STEPS} onChange={setSteps} testId="traverse-steps" />
        <InlineNumberSelect label="Range ±" value={span} options={SPANS} onChange={setSpan} format={(v) => `${v} std`} testId="traverse-span" />
        {req.loading && <span className="muted">decoding…</span>}
      </div>
      {req.error && <p className="error-text">Could not traverse: {req.error}</p>}
      {!latent && <p className="empty">Draw or pick an input: the sweep is centred on its code.</p>}
      {grid && <TraverseGrid grid={grid} stale={req.loading} />}
    </Panel>
  );
}
