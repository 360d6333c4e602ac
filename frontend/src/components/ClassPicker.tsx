// A class chooser that scales: a plain select for a few classes; above SEARCH_FROM, a search box that
// narrows the select to the matching classes (Enter picks the best match).
import { useEffect, useState } from "react";
import { classLabel, filterClasses, SEARCH_FROM, type ClassEntry } from "../lib/classes";

interface Props {
  classes: readonly ClassEntry[];
  value: number | "";
  onChange: (label: number | "") => void;
  /** The select's test id; the search box's is `${testId}-search`. */
  testId: string;
  /** What the empty choice says ("choose…", "none"). */
  empty: string;
  label: string;
}

export function ClassPicker({ classes, value, onChange, testId, empty, label }: Props) {
  const [query, setQuery] = useState("");
  useEffect(() => setQuery(""), [classes]);
  const searchable = classes.length > SEARCH_FROM;
  const matches = searchable ? filterClasses(classes, query) : classes;
  // The chosen class stays listed even when the query no longer matches it.
  const chosen = value === "" ? undefined : classes.find((k) => k.index === value);
  const shown = chosen && !matches.includes(chosen) ? [chosen, ...matches] : matches;

  return (
    <span className="class-picker">
      {searchable && (
        <input
          type="search"
          className="class-search"
          placeholder={`find one of ${classes.length} classes`}
          aria-label={`${label}: search by name`}
          value={query}
          data-testid={`${testId}-search`}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && matches[0]) onChange(matches[0].index);
          }}
        />
      )}
      <select
        aria-label={label}
        value={value}
        data-testid={testId}
        data-matches={matches.length}
        onChange={(e) => onChange(e.target.value === "" ? "" : Number(e.target.value))}
      >
        <option value="">{searchable && query ? `${empty} (${matches.length} of ${classes.length})` : empty}</option>
        {shown.map((k) => (
          <option key={k.index} value={k.index}>
            {classLabel(k)}
          </option>
        ))}
      </select>
    </span>
  );
}
