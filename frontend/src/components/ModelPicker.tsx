// The model in use: pretrained and trained models, its spec in one line; download, upload, delete. Models the
// service cannot use are listed under it, greyed, with the reason and (for your own) a Delete button.
import { useRef, useState } from "react";
import { useSessions } from "../state/context";
import { selectModels, selectModelsLoaded, selectUnavailable, useCatalog } from "../state/slices/catalog";
import { selectModelId, useModel } from "../state/slices/model";
import { count, modelMetric as metric, num, specLine } from "../lib/format";
import { pickerOrder } from "../state/views";

export function ModelPicker() {
  const lab = useSessions();
  const models = useCatalog(selectModels);
  const unavailable = useCatalog(selectUnavailable);
  const loaded = useCatalog(selectModelsLoaded);
  const modelId = useModel(selectModelId);
  const current = models.find((m) => m.id === modelId);
  const [confirm, setConfirm] = useState(false);
  const file = useRef<HTMLInputElement>(null);

  const pretrained = pickerOrder(models.filter((m) => m.pretrained));
  const trained = models.filter((m) => !m.pretrained);
  const psnr = current ? metric(current, "test_psnr", "psnr") : null;
  const ssim = current ? metric(current, "test_ssim", "ssim") : null;

  return (
    <div className="model-picker" data-testid="model-picker">
      <label className="field inline">
        <span className="sr-only">Model</span>
        <select
          value={modelId ?? ""}
          onChange={(e) => {
            setConfirm(false);
            void lab.explore.selectModel(e.target.value);
          }}
          data-testid="model-select"
          disabled={!models.length}
        >
          {!models.length && <option value="">{loaded ? "no models yet" : "loading…"}</option>}
          {pretrained.length > 0 && (
            <optgroup label="Pretrained">
              {pretrained.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.title}
                </option>
              ))}
            </optgroup>
          )}
          {trained.length > 0 && (
            <optgroup label="Trained here">
              {trained.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.title}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      {current && (
        <span className="model-line" data-testid="model-line" title="The architecture, its size and its test-set PSNR and SSIM after training">
          <span className="model-spec">{specLine(current.spec)}</span>
          <span className="model-metrics" data-testid="model-metrics">
            {count(current.params, true)} params
            {psnr !== null && ` · test PSNR ${num(psnr)} dB`}
            {ssim !== null && ` · SSIM ${num(ssim)}`}
          </span>
        </span>
      )}
      {loaded && !models.length && <span className="warn">No models yet: train one, or run `make pretrained`.</span>}
      <span className="model-actions">
        {current && (
          <a className="button small" href={lab.catalog.downloadUrl(current.id)} download>
            Download
          </a>
        )}
        <button type="button" className="small" onClick={() => file.current?.click()}>
          Upload…
        </button>
        <input
          ref={file}
          type="file"
          accept=".safetensors"
          hidden
          data-testid="upload-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void lab.uploadModel(f);
            e.target.value = "";
          }}
        />
        {current && !confirm && (
          <button type="button" className="small" onClick={() => setConfirm(true)} disabled={current.pretrained} title={current.pretrained ? "Pretrained models cannot be deleted" : undefined}>
            Delete
          </button>
        )}
        {current && confirm && (
          <>
            <button
              type="button"
              className="danger"
              onClick={() => {
                setConfirm(false);
                void lab.deleteModel(current.id);
              }}
            >
              Delete “{current.title}”
            </button>
            <button type="button" onClick={() => setConfirm(false)}>
              Keep
            </button>
          </>
        )}
      </span>
      {unavailable.length > 0 && <UnavailableList />}
    </div>
  );
}

/** Broken model folders: greyed, with the service's reason; your own can be deleted (pretrained ones are read-only). */
function UnavailableList() {
  const lab = useSessions();
  const unavailable = useCatalog(selectUnavailable);
  const [confirm, setConfirm] = useState<string | null>(null);
  return (
    <ul className="unavailable-models" data-testid="unavailable-models">
      {unavailable.map((m) => (
        <li key={m.id} className="unavailable" data-testid="unavailable-model" title={m.id}>
          <span className="unavailable-title">{m.title}</span>
          <span className="unavailable-problem">unavailable: {m.problem}</span>
          {!m.pretrained && confirm !== m.id && (
            <button type="button" className="small" onClick={() => setConfirm(m.id)}>
              Delete
            </button>
          )}
          {!m.pretrained && confirm === m.id && (
            <>
              <button
                type="button"
                className="danger small"
                onClick={() => {
                  setConfirm(null);
                  void lab.deleteModel(m.id);
                }}
              >
                Delete “{m.title}”
              </button>
              <button type="button" className="small" onClick={() => setConfirm(null)}>
                Keep
              </button>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
