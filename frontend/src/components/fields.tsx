// Form controls that show their valid range and the service's error for their field.
import { useEffect, useId, useState, type ReactNode } from "react";

interface FieldProps {
  label: string;
  hint?: string;
  error?: string | undefined;
  children: (id: string, describedBy: string | undefined) => ReactNode;
  testId?: string;
}

export function Field({ label, hint, error, children, testId }: FieldProps) {
  const id = useId();
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  const describedBy = [hint ? hintId : "", error ? errId : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field ${error ? "has-error" : ""}`} data-testid={testId}>
      <label htmlFor={id}>{label}</label>
      {children(id, describedBy)}
      {hint && (
        <small id={hintId} className="hint-text">
          {hint}
        </small>
      )}
      {error && (
        <small id={errId} className="error-text" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** A number input that keeps what the user typed ("0.", "") while passing the parsed value up. */
export function NumberInput(props: {
  id?: string;
  value: number;
  onChange: (v: number) => void;
  min?: number;
  max?: number;
  step?: number | "any";
  describedBy?: string | undefined;
  invalid?: boolean;
  label?: string;
  testId?: string;
}) {
  const [text, setText] = useState(String(props.value));
  useEffect(() => {
    if (Number(text) !== props.value && !(text === "" && Number.isNaN(props.value))) setText(Number.isNaN(props.value) ? "" : String(props.value));
    // Only an outside change of the value resets the text; typing must not be overwritten.
  }, [props.value]);
  return (
    <input
      id={props.id}
      type="number"
      inputMode="decimal"
      value={text}
      min={props.min}
      max={props.max}
      step={props.step ?? 1}
      aria-describedby={props.describedBy}
      aria-invalid={props.invalid || undefined}
      aria-label={props.label}
      data-testid={props.testId}
      onChange={(e) => {
        setText(e.target.value);
        props.onChange(e.target.value.trim() === "" ? NaN : Number(e.target.value));
      }}
    />
  );
}

export function Select<T extends string | number>(props: {
  id?: string;
  value: T;
  options: { value: T; label: string; disabled?: boolean }[];
  onChange: (v: T) => void;
  describedBy?: string | undefined;
  label?: string;
  testId?: string;
}) {
  return (
    <select
      id={props.id}
      value={String(props.value)}
      aria-describedby={props.describedBy}
      aria-label={props.label}
      data-testid={props.testId}
      onChange={(e) => {
        const o = props.options.find((x) => String(x.value) === e.target.value);
        if (o) props.onChange(o.value);
      }}
    >
      {props.options.map((o) => (
        <option key={String(o.value)} value={String(o.value)} disabled={o.disabled}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

/** A small labelled choice of numbers, inline among a panel's controls (steps, ranges). */
export function InlineNumberSelect(props: {
  label: string;
  value: number;
  options: readonly number[];
  onChange: (v: number) => void;
  format?: (v: number) => string;
  testId?: string;
}) {
  return (
    <label className="field inline">
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange(Number(e.target.value))} data-testid={props.testId}>
        {props.options.map((v) => (
          <option key={v} value={v}>
            {props.format ? props.format(v) : v}
          </option>
        ))}
      </select>
    </label>
  );
}
