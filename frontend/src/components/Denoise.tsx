// A denoising model's test, under the input: the clean image, the corrupted one the encoder sees,
// and what the model rebuilds from it, each with its error against the clean image. The noise is
// the model's own training corruption at first; the control changes its kind and strength.
import { useMemo } from "react";
import { IMAGE_SIDE, SPEC_DEFAULTS } from "../api/generated/spec";
import type { Corruption } from "../api/types";
import { useSessions } from "../state/context";
import { selectCorruption, selectResult, useExplore } from "../state/slices/explore";
import { useVariant } from "../state/slices/model";
import { corruptionMax } from "../lib/spec";
import { mse, psnr } from "../lib/viz/metrics";
import { num } from "../lib/format";
import { Heatmap } from "./Heatmap";

type Kind = Corruption["kind"] | "none";

export function Denoise() {
  const { explore } = useSessions();
  const denoising = useVariant() === "denoising";
  const corruption = useExplore(selectCorruption);
  const result = useExplore(selectResult);
  const noisy = result?.corrupted ?? null;
  const noisyPsnr = useMemo(() => (result && noisy ? psnr(mse(noisy, result.input)) : null), [result, noisy]);
  if (!denoising) return null;
  const kind: Kind = corruption?.kind ?? "none";
  const set = (patch: Partial<Omit<Corruption, "kind">> & { kind?: Kind }) => {
    const k = patch.kind ?? kind;
    if (k === "none") return explore.setCorruption(null);
    const level = Math.min(corruptionMax(k), patch.level ?? corruption?.level ?? SPEC_DEFAULTS.corruption_level);
    explore.setCorruption({ kind: k, level, seed: patch.seed ?? corruption?.seed ?? 0 });
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
              max={corruptionMax(corruption.kind)}
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
            <Heatmap values={result.input} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={0} hi={1} cmap="ink" zoom={2.5} label="clean input" testId="denoise-clean" />
            <figcaption>clean</figcaption>
          </figure>
          <figure>
            <Heatmap values={noisy ?? result.input} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={0} hi={1} cmap="ink" zoom={2.5} label="corrupted input: what the encoder sees" testId="denoise-corrupted" />
            <figcaption data-testid="denoise-noisy-psnr">
              corrupted
              <br />
              {noisy ? `${num(noisyPsnr)} dB` : "no noise"}
            </figcaption>
          </figure>
          <figure>
            <Heatmap values={result.reconstruction} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={0} hi={1} cmap="ink" zoom={2.5} label="reconstruction from the corrupted input" testId="denoise-recon" />
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
