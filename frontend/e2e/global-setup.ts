// One real server for every browser test: `aevp serve` on a free port with an empty models folder,
// serving the freshly built frontend. Its URL reaches the tests through `inject("baseUrl")`.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { distDir, startServer, type Server } from "./server";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    modelsDir: string;
    /** The server's pid, which is also its process group's id. */
    serverPid: number;
  }
}

let server: Server | null = null;
let modelsDir = "";
let mapsDir = "";
let stateDir = "";

export async function setup(project: TestProject) {
  if (!existsSync(join(distDir, "index.html"))) throw new Error("no frontend build: run `npm run build` first");
  modelsDir = mkdtempSync(join(tmpdir(), "aevp-e2e-models-"));
  // An empty t-SNE/UMAP cache: the latent-map test sees a map computed, not one left by an earlier run.
  mapsDir = mkdtempSync(join(tmpdir(), "aevp-e2e-maps-"));
  // Its own job records (SQLite) and checkpoints, not the user's.
  stateDir = mkdtempSync(join(tmpdir(), "aevp-e2e-state-"));
  const t0 = Date.now();
  server = await startServer({ AEVP_MODELS_DIR: modelsDir, AEVP_MAPS_DIR: mapsDir, AEVP_STATE_DIR: stateDir });
  console.log(`e2e: server ready at ${server.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s (models in ${modelsDir})`);
  project.provide("baseUrl", server.url);
  project.provide("modelsDir", modelsDir);
  project.provide("serverPid", server.proc.pid!);
}

export async function teardown() {
  await server?.stop();
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
  if (mapsDir) rmSync(mapsDir, { recursive: true, force: true });
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}
