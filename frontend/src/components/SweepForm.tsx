// Start a sweep: the builder's spec as the base, and one or two of its fields swept over comma-separated
// values. Values are checked as they are typed; what the service refuses (a 422) shows on the field it names.
import { useSessions } from "../state/context";
import { selectSpec, selectValidation, useDraft } from "../state/slices/draft";
import { selectSweepForm, useSweep } from "../state/slices/sweep";
import { combinations, GRID_FIELDS, gridHint, MAX_COMBINATIONS, parseValues, suggestValues, type GridField, type GridValue } from "../lib/sweep";
import { specLine } from "../lib/format";

export function SweepForm() {
  const lab = useSessions();
  const form = useSweep(selectSweepForm);
  const spec = useDraft(selectSpec);
  const validation = useDraft(selectValidation);
  const parsed = form.rows.map((r) => parseValues(r.field, r.text));
  const grid = Object.fromEntries(form.rows.map((r, i) => [r.field, "values" in parsed[i]! ? (parsed[i] as { values: GridValue[] }).values : []]));
  const n = combinations(grid);
  const unused = GRID_FIELDS.filter((f) => !form.rows.some((r) => r.field === f));
  const baseInvalid = validation.status === "invalid";

  return (
    <form
      className="sweep-form"
      data-testid="sweep-form"
      onSubmit={(e) => {
        e.preventDefault();
        void lab.sweep.start();
      }}
    >
      <h3>New sweep</h3>
      <p className="muted">
        Base: the builder's spec ({specLine(spec)}, {spec.epochs} epoch{spec.epochs === 1 ? "" : "s"} on {spec.dataset}).
      </p>
      {form.rows.map((row, i) => {
        const local = "error" in parsed[i]! ? (parsed[i] as { error: string }).error : null;
        const error = form.errors[row.field] ?? (row.text.trim() ? local : null);
        const hintId = `sweep-hint-${i}`;
        return (
          <div className={`sweep-row${error ? " has-error" : ""}`} key={i} data-testid={`sweep-row-${i}`}>
            <select
              aria-label={`swept field ${i + 1}`}
              value={row.field}
              data-testid={`sweep-field-${i}`}
              onChange={(e) => {
                const field = e.target.value as GridField;
                lab.sweep.setRow(i, { field, text: suggestValues(field, spec) });
              }}
            >
              {[row.field, ...unused].map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
            <input
              type="text"
              value={row.text}
              aria-label={`values of ${row.field}, comma-separated`}
              aria-describedby={hintId}
              aria-invalid={error ? true : undefined}
              data-testid={`sweep-values-${i}`}
              onChange={(e) => lab.sweep.setRow(i, { text: e.target.value })}
            />
            {form.rows.length > 1 && (
              <button type="button" aria-label={`remove swept field ${row.field}`} onClick={() => lab.sweep.removeRow(i)}>
                ×
              </button>
            )}
            <span id={hintId} className={error ? "error-text" : "hint-text"} data-testid={error ? `sweep-error-${row.field}` : undefined}>
              {error ?? gridHint(row.field)}
            </span>
          </div>
        );
      })}
      <label className="sweep-title">
        <span>Name</span>
        <input
          type="text"
          value={form.title}
          maxLength={120}
          placeholder="optional, e.g. How big must the bottleneck be?"
          onChange={(e) => lab.sweep.setTitle(e.target.value)}
          data-testid="sweep-title"
        />
      </label>
      {form.errors.title && <p className="error-text">{form.errors.title}</p>}
      {form.rows.length < 2 && unused[0] && (
        <button type="button" onClick={() => lab.sweep.addRow(unused[0]!, suggestValues(unused[0]!, spec))} data-testid="sweep-add-field">
          + a second field (one line per value)
        </button>
      )}
      <div className="sweep-submit">
        <button type="submit" className="primary" disabled={form.starting || baseInvalid || n === 0 || n > MAX_COMBINATIONS} data-testid="sweep-start">
          {form.starting ? "Starting…" : `Train ${n} model${n === 1 ? "" : "s"}`}
        </button>
        <span className={n > MAX_COMBINATIONS ? "error-text" : "muted"}>
          {n > MAX_COMBINATIONS ? `${n} combinations: the limit is ${MAX_COMBINATIONS}` : `one job per combination (at most ${MAX_COMBINATIONS})`}
        </span>
      </div>
      {baseInvalid && <p className="error-text">Fix the builder's spec first (Build & Train).</p>}
      {form.errors._form && (
        <p className="error-text" role="alert" data-testid="sweep-form-error">
          {form.errors._form}
        </p>
      )}
    </form>
  );
}
