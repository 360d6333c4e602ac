// Model builder: every ModelSpec field, validated live by the service, with the layer table. The
// choices, ranges and defaults are the backend's (api/generated/spec.ts); edits go to the draft session.
import { SPEC_BOUNDS } from "../api/generated/spec";
import type { ModelSpec } from "../api/types";
import { useSessions } from "../state/context";
import { selectDatasets, useCatalog } from "../state/slices/catalog";
import { selectSpec, selectValidation, useDraft } from "../state/slices/draft";
import { corruptionMax, datasetOptions, kernelOptions, rangeHint, specOptions, type ChoiceKey } from "../lib/spec";
import { Field, NumberInput, Select } from "./fields";
import { LayerTable } from "./LayerTable";
import { Panel } from "./Panel";

type NumberKey = "latent_dim" | "learning_rate" | "batch_size" | "epochs" | "seed" | "beta" | "corruption_level";

export function BuilderPanel() {
  const { draft } = useSessions();
  const spec = useDraft(selectSpec);
  const v = useDraft(selectValidation);
  const datasets = useCatalog(selectDatasets);
  const err = (k: string) => v.errors[k];

  const choice = <K extends ChoiceKey>(key: K, label: string, options = specOptions(key)) => (
    <Field label={label} error={err(key)}>
      {(id, d) => <Select<ModelSpec[K]> id={id} describedBy={d} value={spec[key]} options={options} onChange={(x) => draft.setField(key, x)} />}
    </Field>
  );
  const number = (key: NumberKey, label: string, hint = rangeHint(SPEC_BOUNDS[key])) => {
    const b = SPEC_BOUNDS[key];
    return (
      <Field label={label} hint={hint} error={err(key)} testId={`field-${key}`}>
        {(id, d) => (
          <NumberInput
            id={id}
            describedBy={d}
            invalid={!!err(key)}
            value={spec[key]}
            min={b.min}
            max={b.max}
            step={b.integer ? 1 : "any"}
            onChange={(x) => draft.setField(key, x)}
            testId={`input-${key}`}
          />
        )}
      </Field>
    );
  };
  const credit = datasets.find((d) => d.name === spec.dataset)?.credit ?? undefined;
  const mask = spec.corruption === "mask";
  const { filters, blocks } = SPEC_BOUNDS;

  return (
    <Panel id="builder" title="Build" className="builder" explain="Every choice of the architecture and its training; the service checks each change and lists the layers it gives.">
      {err("_spec") && (
        <p className="error-text" role="alert">
          {err("_spec")}
        </p>
      )}
      {v.status === "error" && <p className="warn">{v.message}</p>}
      <div className="form-grid">
        <Field label="Dataset" hint={credit} error={err("dataset")}>
          {(id, d) => <Select<string> id={id} describedBy={d} value={spec.dataset} options={datasetOptions(datasets, spec.dataset)} onChange={(x) => draft.setField("dataset", x)} />}
        </Field>
        {choice("variant", "Variant")}
        {choice("downsample", "Downsample")}
        {number("latent_dim", "Latent size")}
        {choice("activation", "Activation")}
        {choice("loss", "Loss")}
        {choice("optimizer", "Optimizer")}
        {number("learning_rate", "Learning rate", rangeHint(SPEC_BOUNDS.learning_rate, "lr"))}
        {number("batch_size", "Batch size")}
        {number("epochs", "Epochs")}
        {number("seed", "Seed")}
        {spec.variant === "vae" && number("beta", "Beta (KL weight)")}
        {spec.variant === "denoising" && choice("corruption", "Corruption")}
        {spec.variant === "denoising" &&
          number("corruption_level", mask ? "Masked fraction" : "Noise sigma", rangeHint({ ...SPEC_BOUNDS.corruption_level, max: corruptionMax(spec.corruption) }))}
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
            <Field label="filters" hint={rangeHint(filters)} error={err(`blocks.${i}.filters`)}>
              {(id, d) => (
                <NumberInput
                  id={id}
                  describedBy={d}
                  invalid={!!err(`blocks.${i}.filters`)}
                  value={b.filters}
                  min={filters.min}
                  max={filters.max}
                  onChange={(x) => draft.setBlock(i, { filters: x })}
                  testId={`input-filters-${i}`}
                />
              )}
            </Field>
            <Field label="kernel" error={err(`blocks.${i}.kernel`)}>
              {(id, d) => <Select id={id} describedBy={d} value={b.kernel} options={kernelOptions()} onChange={(x) => draft.setBlock(i, { kernel: x })} testId={`input-kernel-${i}`} />}
            </Field>
            <button type="button" aria-label={`remove block ${i + 1}`} disabled={spec.blocks.length <= blocks.minItems} onClick={() => draft.removeBlock(i)}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" disabled={spec.blocks.length >= blocks.maxItems} onClick={() => draft.addBlock()}>
          Add block
        </button>
      </fieldset>
      <LayerTable />
    </Panel>
  );
}
