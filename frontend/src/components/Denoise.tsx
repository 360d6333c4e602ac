// A denoising model's test, under the input: the clean image, the corrupted one the encoder sees,
// and what the model rebuilds from it, each with its error against the clean image. The noise is
// the model's own training corruption at first; the control changes its kind and strength.
import { useMemo } from "react";
import type { Corruption } from "../api/types";
import { useController } from "../state/context";
import { useLab } from "../state/store";
import { mse, psnr } from "../lib/viz/metrics";
import { num } from "../lib/format";
import { Heatmap } from "./Heatmap";

type Kind = Corruption["kind"] | "none";
const MAX: Record<Corruption["kind"], number> = { gaussian: 1, mask: 0.9 };

export function Denoise() {
  const c = useController();
  const denoising = useLab((s) => s.models.find((m) => m.id === s.modelId)?.spec.variant === "denoising");
  const corruption = useLab((s) => s.corruption);
  const result = useLab((s) => s.result);
  const noisy = result?.corrupted ?? null;
  const noisyPsnr = useMemo(() => (result && noisy ? psnr(mse(noisy, result.input)) : null), [result, noisy]);
  if (!denoising) return null;
  const kind: Kind = corruption?.kind ?? "none";
  const set = (patch: Partial<Omit<Corruption, "kind">> & { kind?: Kind }) => {
    const k = patch.kind ?? kind;
    if (k === "none") return c.setCorruption(null);
    const level = Math.min(MAX[k], patch.level ?? corruption?.level ?? 0.3);
    c.setCorruption({ kind: k, level, seed: patch.seed ?? corruption?.seed ?? 0 });
  };
  return (
    <section className="denoise" data-testid="denoise" aria-label="Denoising">
      <h3>Denoising</h3>
      <p className="explain">The encoder sees the corrupted image; the error is measured against the clean one.</p>
      <div className="denoise-controls">
        <label className="field inline">
          <span>Noise</span>
          <select value={kind} onChange={(e) => set({ kind: e.target.value as Kind })} data-testid="corruption-kind">
            <option value="none">none</option>
            <option value="gaussian">gaussian</option>
            <option value="mask">mask</option>
          </select>
        </label>
        {corruption && (
          <>
            <input
              type="range"
              min={0}
              max={MAX[corruption.kind]}
              step={0.05}
              value={corruption.level}
              onChange={(e) => set({ level: Number(e.target.value) })}
              aria-label={corruption.kind === "gaussian" ? "noise sigma" : "fraction of pixels masked"}
              aria-valuetext={num(corruption.level, 2)}
              data-testid="corruption-level"
            />
            <output className="denoise-level">{corruption.kind === "gaussian" ? `σ ${num(corruption.level, 2)}` : `${Math.round(corruption.level * 100)}%`}</output>
            <button type="button" className="small" onClick={() => set({ seed: (corruption.seed ?? 0) + 1 })} title="Draw the noise again" data-testid="corruption-reseed">
              new noise
            </button>
          </>
        )}
      </div>
      {result && (
        <div className="triptych" data-testid="triptych">
          <figure>
            <Heatmap values={result.input} width={28} height={28} lo={0} hi={1} cmap="ink" zoom={2.5} label="clean input" testId="denoise-clean" />
            <figcaption>clean</figcaption>
          </figure>
          <figure>
            <Heatmap values={noisy ?? result.input} width={28} height={28} lo={0} hi={1} cmap="ink" zoom={2.5} label="corrupted input: what the encoder sees" testId="denoise-corrupted" />
            <figcaption data-testid="denoise-noisy-psnr">
              corrupted
              <br />
              {noisy ? `${num(noisyPsnr)} dB` : "no noise"}
            </figcaption>
          </figure>
          <figure>
            <Heatmap values={result.reconstruction} width={28} height={28} lo={0} hi={1} cmap="ink" zoom={2.5} label="reconstruction from the corrupted input" testId="denoise-recon" />
            <figcaption data-testid="denoise-recon-metrics">
              rebuilt
              <br />
              {num(result.psnr)} dB · SSIM {num(result.ssim, 2)}
            </figcaption>
          </figure>
        </div>
      )}
    </section>
  );
}
