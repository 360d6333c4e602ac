// Durable jobs in a real Chromium: a job trains one epoch on its own server, the server is stopped
// (SIGTERM, as `docker compose stop` does) and started again on the same state folder; Build & Train
// lists the job as interrupted, Resume continues it from its epoch with the history on the chart, and
// its model appears.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, newPage, shot } from "./browser";
import { canvasStats, until } from "./pixels";
import { startServer, type Server } from "./server";

// One block of 4 filters, latent 2, in batches of 1024: 58 batches an epoch on MNIST.
const SPEC = { dataset: "mnist", blocks: [{ filters: 4, kernel: 3 }], latent_dim: 2, epochs: 2, batch_size: 1024 };
const PER_EPOCH = 58;

interface Job {
  id: string;
  state: string;
  checkpoint_epoch: number;
  losses: number[];
  epochs: unknown[];
  model_id: string | null;
}

let dir = "";
let server: Server | null = null;
let browser: Browser;
let page: Page;
let jobId = "";

const env = () => ({
  AEVP_STATE_DIR: join(dir, "state"),
  AEVP_MODELS_DIR: join(dir, "models"),
  AEVP_MAPS_DIR: join(dir, "maps"),
  AEVP_WARM_MODELS: "false",
});

async function getJob(id: string): Promise<Job> {
  return (await (await fetch(`${server!.url}/api/jobs/${id}`)).json()) as Job;
}

describe("Durable jobs", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "aevp-e2e-jobs-"));
    server = await startServer(env());
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a job stopped with its server after an epoch is listed as interrupted after the restart", async () => {
    const res = await fetch(`${server!.url}/api/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server!.url },
      body: JSON.stringify({ spec: SPEC }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    jobId = ((await res.json()) as Job).id;
    await until("the first epoch", async () => (await getJob(jobId)).epochs.length >= 1, 150_000, 500);
    await server!.stop(); // SIGTERM: the running job is interrupted, not cancelled
    server = await startServer(env());
    const job = await getJob(jobId);
    expect(job.state, `${JSON.stringify(job).slice(0, 300)}\n${server.log().slice(-3000)}`).toBe("interrupted");
    expect(job.checkpoint_epoch).toBeGreaterThanOrEqual(1);

    page = await newPage(browser, server.url);
    await page.goto("/");
    await page.getByRole("tab", { name: /Build/ }).click();
    const row = page.locator(`[data-testid=interrupted-job][data-job="${jobId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(`after epoch ${job.checkpoint_epoch} of 2`);
    await shot(page, "19-interrupted-job");
  }, 240_000);

  it("Resume continues after that epoch, streams like a new job, and its model appears", async () => {
    const before = await getJob(jobId);
    const point = before.checkpoint_epoch * PER_EPOCH;
    await page.locator(`[data-testid=interrupted-job][data-job="${jobId}"]`).getByTestId("resume-button").click();
    const chart = page.getByTestId("loss-chart");
    const points = async () => Number(await chart.getAttribute("data-points"));
    // The history up to the resume point at once, then live batches.
    await until("the history on the chart", async () => (await points()) >= point, 30_000);
    await until("the list emptied", async () => (await page.getByTestId("interrupted-jobs").count()) === 0, 10_000);
    const state = await page.getByTestId("progress").getAttribute("data-state");
    expect(["queued", "running", "done"]).toContain(state);
    await until("the job to finish", async () => (await page.getByTestId("progress").getAttribute("data-state")) === "done", 150_000, 500);
    const done = await getJob(jobId);
    expect(done.losses).toHaveLength(2 * PER_EPOCH);
    expect(done.losses.slice(0, point)).toEqual(before.losses.slice(0, point));
    await until("every batch on the chart", async () => (await points()) === 2 * PER_EPOCH, 10_000);
    expect(Number(await page.getByTestId("quality-chart").getAttribute("data-epochs"))).toBe(2);
    expect((await canvasStats(chart.locator("canvas").first())).colours).toBeGreaterThan(2);
    await until("the model in the list", async () => (await page.locator(`[data-testid=model-select] option[value="${done.model_id}"]`).count()) === 1);
    await shot(page, "20-resumed-done");
  }, 200_000);
});
