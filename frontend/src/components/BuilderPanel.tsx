// Model builder: every ModelSpec field, validated live by the service, with the layer table.
import type { Activation, BlockSpec, DatasetName, Downsample, LossName, ModelSpec, OptimizerName, Variant } from "../api/types";
import { useController } from "../state/context";
import { useLab } from "../state/store";
import { count, flops, shape, shapeFlow } from "../lib/format";
import { Field, NumberInput, Select } from "./fields";
import { Panel } from "./Panel";

const MAX_BLOCKS = 4;

export function BuilderPanel() {
  const c = useController();
  const spec = useLab((s) => s.spec);
  const v = useLab((s) => s.validation);
  const datasets = useLab((s) => s.datasets);
  const err = (k: string) => v.errors[k];
  const set = <K extends keyof ModelSpec>(k: K, value: ModelSpec[K]) => c.setSpec({ ...spec, [k]: value });
  const setBlock = (i: number, b: Partial<BlockSpec>) => set("blocks", spec.blocks.map((x, j) => (j === i ? { ...x, ...b } : x)));

  const datasetOptions: { value: DatasetName; label: string }[] = datasets.length
    ? datasets.map((d) => ({ value: d.name as DatasetName, label: d.title }))
    : [
        { value: "mnist", label: "MNIST" },
        { value: "fashion-mnist", label: "Fashion-MNIST" },
      ];

  return (
    <Panel id="builder" title="Build" className="builder" explain="Every choice of the architecture and its training; the service checks each change and lists the layers it gives.">
      {err("_spec") && (
        <p className="error-text" role="alert">
          {err("_spec")}
        </p>
      )}
      {v.status === "error" && <p className="warn">{v.message}</p>}
      <div className="form-grid">
        <Field label="Dataset" error={err("dataset")}>
          {(id, d) => <Select id={id} describedBy={d} value={spec.dataset} options={datasetOptions} onChange={(x) => set("dataset", x)} />}
        </Field>
        <Field label="Variant" error={err("variant")}>
          {(id, d) => (
            <Select<Variant>
              id={id}
              describedBy={d}
              value={spec.variant}
              options={[
                { value: "plain", label: "plain" },
                { value: "denoising", label: "denoising" },
                { value: "vae", label: "VAE" },
              ]}
              onChange={(x) => set("variant", x)}
            />
          )}
        </Field>
        <Field label="Downsample" error={err("downsample")}>
          {(id, d) => (
            <Select<Downsample>
              id={id}
              describedBy={d}
              value={spec.downsample}
              options={[
                { value: "maxpool", label: "max-pool 2×2" },
                { value: "stride", label: "stride 2" },
              ]}
              onChange={(x) => set("downsample", x)}
            />
          )}
        </Field>
        <Field label="Latent size" hint="1 … 64" error={err("latent_dim")} testId="field-latent_dim">
          {(id, d) => <NumberInput id={id} describedBy={d} invalid={!!err("latent_dim")} value={spec.latent_dim} min={1} max={64} onChange={(x) => set("latent_dim", x)} testId="input-latent_dim" />}
        </Field>
        <Field label="Activation" error={err("activation")}>
          {(id, d) => (
            <Select<Activation>
              id={id}
              describedBy={d}
              value={spec.activation}
              options={(["relu", "leaky_relu", "gelu", "silu", "tanh"] as const).map((a) => ({ value: a, label: a }))}
              onChange={(x) => set("activation", x)}
            />
          )}
        </Field>
        <Field label="Loss" error={err("loss")}>
          {(id, d) => (
            <Select<LossName>
              id={id}
              describedBy={d}
              value={spec.loss}
              options={[
                { value: "bce", label: "BCE (cross-entropy)" },
                { value: "mse", label: "MSE" },
              ]}
              onChange={(x) => set("loss", x)}
            />
          )}
        </Field>
        <Field label="Optimizer" error={err("optimizer")}>
          {(id, d) => (
            <Select<OptimizerName>
              id={id}
              describedBy={d}
              value={spec.optimizer}
              options={[
                { value: "adam", label: "Adam" },
                { value: "adamw", label: "AdamW" },
                { value: "sgd", label: "SGD (momentum 0.9)" },
              ]}
              onChange={(x) => set("optimizer", x)}
            />
          )}
        </Field>
        <Field label="Learning rate" hint="0 < lr ≤ 1" error={err("learning_rate")}>
          {(id, d) => <NumberInput id={id} describedBy={d} invalid={!!err("learning_rate")} value={spec.learning_rate} min={0} max={1} step="any" onChange={(x) => set("learning_rate", x)} />}
        </Field>
        <Field label="Batch size" hint="8 … 1024" error={err("batch_size")}>
          {(id, d) => <NumberInput id={id} describedBy={d} invalid={!!err("batch_size")} value={spec.batch_size} min={8} max={1024} onChange={(x) => set("batch_size", x)} testId="input-batch_size" />}
        </Field>
        <Field label="Epochs" hint="1 … 100" error={err("epochs")}>
          {(id, d) => <NumberInput id={id} describedBy={d} invalid={!!err("epochs")} value={spec.epochs} min={1} max={100} onChange={(x) => set("epochs", x)} testId="input-epochs" />}
        </Field>
        <Field label="Seed" hint="0 … 2³¹−1" error={err("seed")}>
          {(id, d) => <NumberInput id={id} describedBy={d} invalid={!!err("seed")} value={spec.seed} min={0} onChange={(x) => set("seed", x)} />}
        </Field>
        {spec.variant === "vae" && (
          <Field label="Beta (KL weight)" hint="0 … 10" error={err("beta")}>
            {(id, d) => <NumberInput id={id} describedBy={d} invalid={!!err("beta")} value={spec.beta} min={0} max={10} step="any" onChange={(x) => set("beta", x)} />}
          </Field>
        )}
        {spec.variant === "denoising" && (
          <Field label="Corruption" error={err("corruption")}>
            {(id, d) => (
              <Select<"gaussian" | "mask">
                id={id}
                describedBy={d}
                value={spec.corruption}
                options={[
                  { value: "gaussian", label: "Gaussian noise" },
                  { value: "mask", label: "random masking" },
                ]}
                onChange={(x) => set("corruption", x)}
              />
            )}
          </Field>
        )}
        {spec.variant === "denoising" && (
          <Field label={spec.corruption === "mask" ? "Masked fraction" : "Noise sigma"} hint={spec.corruption === "mask" ? "0 … 0.9" : "0 … 1"} error={err("corruption_level")}>
            {(id, d) => <NumberInput id={id} describedBy={d} invalid={!!err("corruption_level")} value={spec.corruption_level} min={0} max={1} step="any" onChange={(x) => set("corruption_level", x)} />}
          </Field>
        )}
      </div>

      <fieldset className="blocks">
        <legend>Encoder blocks (the decoder mirrors them)</legend>
        {err("blocks") && (
          <p className="error-text" role="alert">
            {err("blocks")}
          </p>
        )}
        {spec.blocks.map((b, i) => (
          <div className="block" key={i} data-testid={`block-${i}`}>
            <span className="block-name">block {i + 1}</span>
            <Field label="filters" hint="1 … 128" error={err(`blocks.${i}.filters`)}>
              {(id, d) => (
                <NumberInput id={id} describedBy={d} invalid={!!err(`blocks.${i}.filters`)} value={b.filters} min={1} max={128} onChange={(x) => setBlock(i, { filters: x })} testId={`input-filters-${i}`} />
              )}
            </Field>
            <Field label="kernel" error={err(`blocks.${i}.kernel`)}>
              {(id, d) => (
                <Select
                  id={id}
                  describedBy={d}
                  value={b.kernel}
                  options={[
                    { value: 3, label: "3×3" },
                    { value: 5, label: "5×5" },
                  ]}
                  onChange={(x) => setBlock(i, { kernel: x })}
                  testId={`input-kernel-${i}`}
                />
              )}
            </Field>
            <button type="button" aria-label={`remove block ${i + 1}`} disabled={spec.blocks.length <= 1} onClick={() => set("blocks", spec.blocks.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          disabled={spec.blocks.length >= MAX_BLOCKS}
          onClick={() => set("blocks", [...spec.blocks, { filters: spec.blocks[spec.blocks.length - 1]?.filters ?? 32, kernel: 3 }])}
        >
          Add block
        </button>
      </fieldset>
      <LayerTable />
    </Panel>
  );
}

function LayerTable() {
  const v = useLab((s) => s.validation);
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
        <thead>
          <tr>
            <th scope="col">layer</th>
            <th scope="col">kind</th>
            <th scope="col">output</th>
            <th scope="col" className="num">
              params
            </th>
            <th scope="col" className="num">
              FLOPs
            </th>
          </tr>
        </thead>
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
