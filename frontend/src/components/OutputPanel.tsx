// Output column: the input, the reconstruction and their difference, with the per-image error.
import { useMemo } from "react";
import { IMAGE_SIDE } from "../api/generated/spec";
import { selectDecoded, selectResult, useExplore } from "../state/slices/explore";
import { difference } from "../lib/viz/imagedata";
import { mse as mseOf, psnr as psnrOf } from "../lib/viz/metrics";
import { num } from "../lib/format";
import { Heatmap } from "./Heatmap";
import { Legend } from "./Legend";
import { Panel } from "./Panel";

export function OutputPanel() {
  const result = useExplore(selectResult);
  const decoded = useExplore(selectDecoded);
  const recon = decoded?.reconstruction ?? result?.reconstruction ?? null;
  const input = result?.input ?? null;
  const diff = useMemo(() => (recon && input ? difference(recon, input) : null), [recon, input]);
  const err = useMemo(() => {
    if (!recon || !input) return null;
    if (!decoded) return { mse: result!.mse, psnr: result!.psnr, ssim: result!.ssim };
    const m = mseOf(recon, input);
    return { mse: m, psnr: psnrOf(m), ssim: null }; // SSIM comes from the service, for explored inputs only
  }, [recon, input, decoded, result]);
  const zoom = 3;
  return (
    <Panel
      id="output"
      title="Output"
      className="col-output"
      explain={decoded ? `Decoded from the sliders${decoded.inPage ? ", in your browser" : ""}.` : "What comes out, and the error."}
    >
      {!recon && <p className="empty">No output yet.</p>}
      {recon && input && diff && (
        <div className="outputs" data-decoded-in={decoded ? (decoded.inPage ? "page" : "service") : undefined} data-decode-ms={decoded?.decodeMs?.toFixed(1)}>
          <figure>
            <Heatmap values={input} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={0} hi={1} cmap="ink" zoom={zoom} label="input" />
            <figcaption>input</figcaption>
          </figure>
          <figure>
            <Heatmap values={recon} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={0} hi={1} cmap="ink" zoom={zoom} label="reconstruction" testId="reconstruction" />
            <figcaption>reconstruction</figcaption>
          </figure>
          <figure>
            <Heatmap values={diff} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={-1} hi={1} cmap="rdbu" zoom={zoom} label="difference: reconstruction minus input" testId="difference" />
            <figcaption>
              difference <Legend cmap="rdbu" lo={-1} hi={1} label="difference" />
            </figcaption>
          </figure>
          <dl className="errors" data-testid="errors">
            <dt>MSE</dt>
            <dd data-testid="mse">{num(err?.mse)}</dd>
            <dt>PSNR</dt>
            <dd data-testid="psnr">{num(err?.psnr)} dB</dd>
            <dt title="Structural similarity (1 = identical), from the service">SSIM</dt>
            <dd data-testid="ssim">{num(err?.ssim)}</dd>
          </dl>
        </div>
      )}
    </Panel>
  );
}
