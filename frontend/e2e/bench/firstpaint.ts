// The newcomer's first page: a fresh server (warm-up on, as `aevp serve` starts), health polled, the
// page opened the moment /api/health says ready; the figure is from that moment to the first
// explore's reconstruction painted. Used by the e2e suite (asserted) and `npm run bench` (printed).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { newPage } from "../browser";
import { canvasStats, until } from "../pixels";
import { startServer } from "../server";

export interface FirstPaint {
  /** Milliseconds from /api/health saying ready (as seen by a 250 ms poll) to the reconstruction painted. */
  ms: number;
  /** Seconds the server took to say ready. */
  readyS: number;
  /** The model the page opened. */
  modelId: string;
}

export async function firstPaintAfterReady(browser: Browser): Promise<FirstPaint> {
  const modelsDir = mkdtempSync(join(tmpdir(), "aevp-firstpaint-models-"));
  const mapsDir = mkdtempSync(join(tmpdir(), "aevp-firstpaint-maps-"));
  // The browser is up before the server: its start is not the server's to answer for.
  const page = await newPage(browser, "http://127.0.0.1");
  const t0 = Date.now();
  const server = await startServer({ AEVP_MODELS_DIR: modelsDir, AEVP_MAPS_DIR: mapsDir });
  const ready = Date.now();
  try {
    await page.goto(`${server.url}/`);
    const recon = page.getByTestId("reconstruction");
    await recon.waitFor({ timeout: 30_000 });
    const paintedAt = await until("the first paint", async () => Number(await recon.getAttribute("data-painted-at")));
    // performance.now() counts from the page's time origin; both clocks are this machine's.
    const origin = await page.evaluate(() => performance.timeOrigin);
    const stats = await canvasStats(recon);
    if (stats.opaque !== 1 || stats.colours < 2) throw new Error(`the reconstruction is not painted: ${JSON.stringify(stats)}`);
    const modelId = await page.getByTestId("model-select").inputValue();
    return { ms: origin + paintedAt - ready, readyS: (ready - t0) / 1000, modelId };
  } finally {
    await page.context().close();
    await server.stop();
    rmSync(modelsDir, { recursive: true, force: true });
    rmSync(mapsDir, { recursive: true, force: true });
  }
}
