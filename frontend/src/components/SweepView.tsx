// Sweeps: how sensitive an autoencoder is to one or two of its settings. The list of sweeps and the form that
// starts one on the left; the open sweep on the right: a test metric against the swept field (a line per value
// of the other), every job's loss curve live while they train, and the jobs' table.
import { useEffect, useMemo } from "react";
import { useSessions } from "../state/context";
import {
  selectCancelling,
  selectCurves,
  selectMaxSteps,
  selectMetric,
  selectOpenSweep,
  selectPicked,
  selectSweeps,
  selectSweepsLoaded,
  selectXField,
  useSweep,
} from "../state/slices/sweep";
import { jobStyles, METRICS, metricPlot, stateCounts, sweepName, type JobStyle, type Metric } from "../lib/sweep";
import { Panel } from "./Panel";
import { SweepChart } from "./SweepChart";
import { SweepCurves } from "./SweepCurves";
import { SweepForm } from "./SweepForm";
import { StateWord, SweepJobs } from "./SweepJobs";
import "../styles/sweep.css";

export function SweepView() {
  const lab = useSessions();
  useEffect(() => {
    void lab.sweep.enter();
  }, [lab]);
  return (
    <div className="sweeps">
      <Panel
        id="sweep-list"
        title="Sweeps"
        className="sweep-side"
        explain="A sweep trains one model per combination of the values you give, to show how much a setting matters."
      >
        <SweepList />
        <SweepForm />
      </Panel>
      <SweepDetail />
    </div>
  );
}

function SweepList() {
  const lab = useSessions();
  const sweeps = useSweep(selectSweeps);
  const loaded = useSweep(selectSweepsLoaded);
  const open = useSweep(selectOpenSweep);
  if (!sweeps.length) return <p className="empty">{loaded ? "No sweeps yet: start one below." : "Loading the sweeps…"}</p>;
  return (
    <ul className="sweep-items" data-testid="sweep-items">
      {sweeps.map((s) => (
        <li key={s.id}>
          <button
            type="button"
            className={s.id === open?.id ? "sweep-item active" : "sweep-item"}
            aria-current={s.id === open?.id || undefined}
            data-testid="sweep-item"
            data-sweep={s.id}
            onClick={() => void lab.sweep.open(s.id)}
          >
            <span className="sweep-item-name">{sweepName(s)}</span>
            <span className="sweep-item-meta">
              <StateWord state={s.state} /> · {s.jobs.length} model{s.jobs.length === 1 ? "" : "s"} · {new Date(s.created).toLocaleString()}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

function SweepDetail() {
  const lab = useSessions();
  const sweep = useSweep(selectOpenSweep);
  const curves = useSweep(selectCurves);
  const maxSteps = useSweep(selectMaxSteps);
  const field = useSweep(selectXField);
  const metric = useSweep(selectMetric);
  const picked = useSweep(selectPicked);
  const cancelling = useSweep(selectCancelling);
  const plot = useMemo(() => (sweep && field ? metricPlot(sweep, field, metric) : null), [sweep, field, metric]);
  const styles = useMemo(() => (plot ? jobStyles(plot) : new Map<string, JobStyle>()), [plot]);

  if (!sweep || !plot) {
    return (
      <Panel id="sweep" title="Sweep" className="sweep-detail" explain="Open a sweep from the list, or start one.">
        <p className="empty">No sweep open.</p>
      </Panel>
    );
  }
  const fields = Object.keys(sweep.grid);
  const active = sweep.state === "running" || sweep.state === "queued";
  // The chart is made once per set of lines: a new field, metric or sweep makes a new one.
  const chartKey = `${sweep.id}|${field}|${metric}|${plot.lines.map((l) => l.label).join(";")}`;
  return (
    <Panel
      id="sweep"
      title={sweepName(sweep)}
      className="sweep-detail"
      explain="Click a point to explore its model; shift-click two points to compare them side by side."
      actions={
        active && (
          <button type="button" className="danger" disabled={cancelling} onClick={() => void lab.sweep.cancel()} data-testid="sweep-cancel">
            {cancelling ? "Cancelling…" : "Cancel sweep"}
          </button>
        )
      }
    >
      <p className="sweep-status" data-testid="sweep-status" data-state={sweep.state}>
        <StateWord state={sweep.state} testId="sweep-state" /> <span className="muted">{stateCounts(sweep.jobs)}</span>
      </p>
      <div className="sweep-controls">
        <label className="field inline">
          <span>Plot</span>
          <select value={metric} onChange={(e) => lab.sweep.setMetric(e.target.value as Metric)} data-testid="sweep-metric">
            {METRICS.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label} ({m.better} is better)
              </option>
            ))}
          </select>
        </label>
        {fields.length > 1 && (
          <label className="field inline">
            <span>against</span>
            <select value={field ?? ""} onChange={(e) => lab.sweep.setXField(e.target.value)} data-testid="sweep-x">
              {fields.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </label>
        )}
        {picked && <span className="muted">one point picked: shift-click another to compare</span>}
      </div>
      {!plot.lines.some((l) => l.ys.some((v) => v !== null)) && (
        <p className="muted sweep-wait">{active ? "Each job's point appears when its first epoch ends." : "No job finished an epoch: nothing to plot."}</p>
      )}
      <SweepChart key={chartKey} plot={plot} metric={metric} styles={styles} picked={picked} onPick={(job, shift) => void lab.sweep.pick(job, shift)} />
      <h3>
        Loss curves <span className="muted">(every batch of every job{active ? ", live" : ""})</span>
      </h3>
      <SweepCurves key={`${sweep.id}|${field}|${sweep.jobs.length}`} plot={plot} jobs={sweep.jobs} curves={curves} styles={styles} maxSteps={maxSteps} />
      <SweepJobs fields={fields} jobs={sweep.jobs} styles={styles} onExplore={(job) => void lab.sweep.pick(job, false)} />
    </Panel>
  );
}
