// The layers the service found in the draft: each one's output shape, parameters and FLOPs.
import { selectValidation, useDraft } from "../state/slices/draft";
import { count, flops, shape, shapeFlow } from "../lib/format";
import { TableHead } from "./TableHead";

export function LayerTable() {
  const v = useDraft(selectValidation);
  const r = v.result;
  if (!r) {
    return <p className="muted layer-table-empty">{v.status === "checking" ? "Checking…" : "Fix the fields marked in red to see the layers."}</p>;
  }
  return (
    <div className={`layer-table-wrap ${v.status === "checking" ? "checking" : ""}`}>
      <p className="shape-flow" data-testid="shape-flow">
        {shapeFlow(r.layers)}
      </p>
      <table className="layer-table" data-testid="layer-table">
        <TableHead columns={["layer", "kind", "output", { label: "params", num: true }, { label: "FLOPs", num: true }]} />
        <tbody>
          {r.layers.map((l) => (
            <tr key={l.name} className={l.part}>
              <td>{l.name}</td>
              <td>
                {l.kind}
                {l.activation ? ` + ${l.activation}` : ""}
              </td>
              <td>{shape(l.shape)}</td>
              <td className="num">{count(l.params)}</td>
              <td className="num">{flops(l.flops)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              total
            </th>
            <td className="num" data-testid="total-params">
              {count(r.params)}
            </td>
            <td className="num">{flops(r.forward_flops)}</td>
          </tr>
        </tfoot>
      </table>
      <p className="muted">
        {count(r.params)} parameters · {flops(r.forward_flops)} forward, {flops(r.train_flops)} per training image
      </p>
    </div>
  );
}
