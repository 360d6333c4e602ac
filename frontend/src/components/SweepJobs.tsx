// A sweep's jobs as a table: what each varies, its state (word and colour), its final test metrics, and its
// model's Explore button; the same jobs as the chart's points, for reading exact numbers.
import type { SweepJob } from "../api/types";
import { num } from "../lib/format";
import { stateTone, valueLabel, type JobStyle } from "../lib/sweep";
import { TableHead } from "./TableHead";

export function SweepJobs(props: { fields: string[]; jobs: SweepJob[]; styles: Map<string, JobStyle>; onExplore: (job: SweepJob) => void }) {
  return (
    <table className="sweep-jobs" data-testid="sweep-jobs">
      <TableHead columns={["", ...props.fields, "state", { label: "test loss", num: true }, { label: "PSNR", num: true }, { label: "SSIM", num: true }, "model"]} />
      <tbody>
        {props.jobs.map((j) => (
          <tr key={j.job_id} data-job={j.job_id} data-state={j.state}>
            <td>
              <span className="swatch" style={{ background: props.styles.get(j.job_id)?.colour ?? "transparent" }} aria-hidden="true" />
            </td>
            {props.fields.map((f) => (
              <td key={f}>{valueLabel(j.params[f])}</td>
            ))}
            <td>
              <StateWord state={j.state} />
            </td>
            <td className="num">{num(j.test_loss, 4)}</td>
            <td className="num">{j.psnr === null ? "–" : `${num(j.psnr)} dB`}</td>
            <td className="num">{num(j.ssim)}</td>
            <td>
              {j.model_id ? (
                <button type="button" onClick={() => props.onExplore(j)} data-testid="sweep-explore">
                  Explore
                </button>
              ) : (
                <span className="muted">–</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A state as a word in its colour (queued and running blue, done green, failed red, the rest grey). */
export function StateWord({ state, testId }: { state: string; testId?: string }) {
  return (
    <span className={`state-word ${stateTone(state as SweepJob["state"])}`} data-testid={testId} data-state={state}>
      {state}
    </span>
  );
}
