// A table's column headings; numeric columns are right-aligned (class "num").
export function TableHead({ columns }: { columns: readonly (string | { label: string; num: true })[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          typeof c === "string" ? (
            <th key={c} scope="col">
              {c}
            </th>
          ) : (
            <th key={c.label} scope="col" className="num">
              {c.label}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
