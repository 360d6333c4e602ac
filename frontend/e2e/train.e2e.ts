// Build & Train in a real Chromium against a real server: live validation, then a tiny training
// job started from the UI, watched through a page reload, until its model can be explored.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, newPage, shot } from "./browser";
import { canvasStats, until } from "./pixels";

const baseUrl = inject("baseUrl");

let browser: Browser;
let page: Page;
let trainedId = "";

async function openBuild() {
  await page.getByRole("tab", { name: /Build/ }).click();
  await page.getByTestId("builder").waitFor();
}

async function setNumber(testId: string, value: string) {
  const input = page.getByTestId(testId);
  await input.fill(value);
}

describe("Build & Train", () => {
  beforeAll(async () => {
    browser = await launch();
    page = await newPage(browser, baseUrl);
    await page.goto("/");
    await openBuild();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows the layer table of the default spec and lets it train", async () => {
    await page.getByTestId("layer-table").waitFor();
    const total = await page.getByTestId("total-params").textContent();
    const report = (await (
      await fetch(`${baseUrl}/api/specs/validate`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
    ).json()) as { params: number; layers: unknown[] };
    expect(Number(total!.replace(/,/g, ""))).toBe(report.params);
    expect(await page.locator("[data-testid=layer-table] tbody tr").count()).toBe(report.layers.length);
    expect(await page.getByTestId("train-button").isEnabled()).toBe(true);
    // Before any job: how the model in use (the pretrained default, 5 epochs) was trained.
    const history = page.getByTestId("model-history");
    await history.waitFor();
    await until("its history charted", async () => Number(await page.getByTestId("history-quality-chart").getAttribute("data-epochs")) === 5);
    expect(Number(await page.getByTestId("history-loss-chart").getAttribute("data-points"))).toBeGreaterThan(100);
    expect(await page.locator("[data-testid=history-epoch-table] tbody tr").count()).toBe(5);
    expect((await canvasStats(page.getByTestId("history-quality-chart").locator("canvas").first())).colours).toBeGreaterThan(2);
  });

  it("an invalid value shows its error next to the field and disables Train", async () => {
    await setNumber("input-latent_dim", "0");
    const error = page.getByTestId("field-latent_dim").locator(".error-text");
    await error.waitFor();
    expect((await error.textContent())!.length).toBeGreaterThan(3);
    expect(await page.getByTestId("train-button").isDisabled()).toBe(true);
    await shot(page, "05-build-invalid");

    await setNumber("input-latent_dim", "2");
    await until("the error to go", async () => (await error.count()) === 0);
    await until("Train enabled again", () => page.getByTestId("train-button").isEnabled());
  });

  it("a tiny job started from the UI plots every batch, survives a reload, reaches 100% and its model appears", async () => {
    // One block of 4 filters, latent 2, one epoch in big batches: about a minute on two cores.
    await page.getByRole("button", { name: "remove block 2" }).click();
    await setNumber("input-filters-0", "4");
    await setNumber("input-latent_dim", "2");
    await setNumber("input-epochs", "1");
    await setNumber("input-batch_size", "1024");
    await until("a valid tiny spec", async () => (await page.getByTestId("train-button").isEnabled()) && (await page.getByTestId("total-params").textContent()) !== null);
    await page.getByTestId("train-button").click();

    const chart = page.getByTestId("loss-chart");
    const points = async () => Number(await chart.getAttribute("data-points"));
    await until("the first batches on the chart", async () => (await points()) >= 3, 120_000, 250);
    await shot(page, "06-training");

    // Reload mid-job: the page finds the running job and its whole history comes back.
    const seen = await points();
    const jobs = (await (await fetch(`${baseUrl}/api/jobs`)).json()) as { id: string; state: string }[];
    const job = jobs.find((j) => j.state === "running" || j.state === "queued")!;
    expect(job, "a running job").toBeTruthy();
    if (seen < 50) {
      await page.reload();
      await page.getByRole("tab", { name: /Build/ }).click();
      await until("the history after the reload", async () => (await points()) >= seen, 30_000);
      await shot(page, "07-training-after-reload");
    }

    await until("the job to finish", async () => (await page.getByTestId("progress").getAttribute("data-state")) === "done", 180_000, 500);
    const detail = (await (await fetch(`${baseUrl}/api/jobs/${job.id}`)).json()) as {
      losses: number[];
      progress: { total_steps: number; fraction: number };
      model_id: string;
    };
    expect(detail.progress.fraction).toBe(1);
    expect(await page.getByTestId("progress").getAttribute("data-fraction")).toBe("1");
    expect(await page.locator("progress").evaluate((e) => (e as HTMLProgressElement).value)).toBe(1);
    // One point per batch, nothing dropped or duplicated.
    await until("every batch on the chart", async () => (await points()) === detail.progress.total_steps, 10_000);
    expect(detail.losses).toHaveLength(detail.progress.total_steps);
    expect(Number(await chart.getAttribute("data-epochs"))).toBe(1);
    const plot = await canvasStats(chart.locator("canvas").first());
    expect(plot.colours).toBeGreaterThan(2);
    // The epoch's test PSNR and SSIM on their own chart, with a legend naming both.
    const quality = page.getByTestId("quality-chart");
    expect(Number(await quality.getAttribute("data-epochs"))).toBe(1);
    expect(await quality.getAttribute("aria-label")).toMatch(/after epoch 1, PSNR \d+(\.\d+)? dB, SSIM 0\.\d+/);
    expect(await quality.locator(".u-legend").textContent()).toMatch(/test PSNR \(dB\).*test SSIM/);
    expect((await canvasStats(quality.locator("canvas").first())).colours).toBeGreaterThan(2);
    expect(await page.getByTestId("probes").count()).toBe(1);
    await shot(page, "08-trained");

    // The model is in the picker, and can be explored.
    await until("the new model in the list", async () => (await page.locator(`[data-testid=model-select] option[value="${detail.model_id}"]`).count()) === 1);
    await page.getByTestId("explore-trained").click();
    await until("the trained model explored", async () => (await page.getByTestId("model-select").inputValue()) === detail.model_id && (await page.locator("[data-testid=latent-bars] li").count()) === 2, 60_000);
    await page.getByTestId("reconstruction").waitFor();
    await page.waitForTimeout(300);
    expect((await canvasStats(page.getByTestId("reconstruction"))).opaque).toBe(1);
    await shot(page, "09-explore-trained");
    trainedId = detail.model_id;
  });

  it("downloads the trained model, deletes it, and uploads it back", async () => {
    expect(trainedId).not.toBe("");
    await page.getByTestId("model-select").selectOption(trainedId);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download" }).click()]);
    const dir = mkdtempSync(join(tmpdir(), "aevp-dl-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, download.suggestedFilename() || "model.safetensors");
    await download.saveAs(file);
    expect(statSync(file).size).toBeGreaterThan(1000);

    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("button", { name: /^Delete “/ }).click();
    await until("the model gone from the list", async () => (await page.locator(`[data-testid=model-select] option[value="${trainedId}"]`).count()) === 0);
    const listed = (await (await fetch(`${baseUrl}/api/models`)).json()) as { id: string }[];
    expect(listed.some((m) => m.id === trainedId)).toBe(false);

    await page.getByTestId("upload-input").setInputFiles(file);
    await until("the uploaded model selected", async () => {
      const id = await page.getByTestId("model-select").inputValue();
      const title = await page.locator("[data-testid=model-select] option:checked").textContent();
      return id !== "" && !id.startsWith("ae-32-64") && title!.includes("AE-4-L2") ? id : "";
    });
    await until("the uploaded model explored", async () => (await page.locator("[data-testid=latent-bars] li").count()) === 2, 60_000);
    await shot(page, "10-uploaded");
  });
});
