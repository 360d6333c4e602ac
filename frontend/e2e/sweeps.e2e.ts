// Sweeps in a real Chromium against a real server: the form refuses a bad value by field, and the service's 422
// lands on the field it names; then a tiny sweep of two specs started from the builder's spec trains, its loss
// curves grow live, its points appear, a click on one explores that model and shift-clicks on two compare them.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, newPage, shot } from "./browser";
import { canvasStats, until } from "./pixels";

const baseUrl = inject("baseUrl");

let browser: Browser;
let page: Page;

interface SweepJob {
  job_id: string;
  params: Record<string, unknown>;
  state: string;
  model_id: string | null;
  psnr: number | null;
}
interface SweepInfo {
  id: string;
  state: string;
  jobs: SweepJob[];
}

const getJson = async <T>(path: string): Promise<T> => (await (await fetch(`${baseUrl}${path}`)).json()) as T;
const num = async (testId: string, attr: string) => Number(await page.getByTestId(testId).getAttribute(attr));

async function openTab(name: RegExp | string) {
  await page.getByRole("tab", { name }).click();
}

describe("Sweeps", () => {
  beforeAll(async () => {
    browser = await launch();
    page = await newPage(browser, baseUrl);
    await page.goto("/");
    // The builder's spec is the sweep's base: one block of 4 filters, one epoch in big batches (about a
    // minute a job on two cores), as the Train test does.
    await openTab(/Build/);
    await page.getByTestId("builder").waitFor();
    await page.getByRole("button", { name: "remove block 2" }).click();
    await page.getByTestId("input-filters-0").fill("4");
    await page.getByTestId("input-latent_dim").fill("2");
    await page.getByTestId("input-epochs").fill("1");
    await page.getByTestId("input-batch_size").fill("1024");
    await until("a valid tiny spec", () => page.getByTestId("train-button").isEnabled());
    await openTab("Sweeps");
    await page.getByTestId("sweep-form").waitFor();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("refuses a value out of range in the browser, and shows the service's 422 on the field it names", async () => {
    await page.getByTestId("sweep-values-0").fill("2, 99");
    const error = page.getByTestId("sweep-error-latent_dim");
    expect(await error.textContent()).toBe("99 is out of range (1 … 64)");
    expect(await page.getByTestId("sweep-start").isDisabled()).toBe(true);

    // Masking 95% of the pixels is within the schema's 0..1 but refused by the spec's own check: only the
    // service knows, and its 422 names the combination.
    await page.getByTestId("sweep-field-0").selectOption("corruption");
    await page.getByTestId("sweep-values-0").fill("mask");
    await page.getByTestId("sweep-add-field").click();
    await page.getByTestId("sweep-field-1").selectOption("corruption_level");
    await page.getByTestId("sweep-values-1").fill("0.5, 0.95");
    expect(await page.getByTestId("sweep-start").textContent()).toBe("Train 2 models");
    const before = (await getJson<SweepInfo[]>("/api/sweeps")).length;
    await page.getByTestId("sweep-start").click();
    const refused = page.getByTestId("sweep-error-corruption_level");
    const text = await until("the 422 on a field", async () => ((await refused.count()) ? await refused.first().textContent() : null));
    expect(text).toMatch(/0\.95/);
    expect((await getJson<SweepInfo[]>("/api/sweeps")).length).toBe(before); // nothing started
    await shot(page, "sweep-01-refused");
  });

  it("trains a sweep of two specs: live curves, a point per model, a click explores it, shift-clicks compare", { timeout: 600_000 }, async () => {
    await page.getByRole("button", { name: "remove swept field corruption_level" }).click();
    await page.getByTestId("sweep-field-0").selectOption("latent_dim");
    await page.getByTestId("sweep-values-0").fill("2, 4");
    await page.getByTestId("sweep-title").fill("e2e: how big must the bottleneck be?");
    await page.getByTestId("sweep-start").click();

    const item = page.locator("[data-testid=sweep-item][aria-current=true]");
    await until("the new sweep open", async () => (await item.textContent())?.includes("e2e: how big") ?? false);
    const id = (await item.getAttribute("data-sweep"))!;
    const created = await getJson<SweepInfo>(`/api/sweeps/${id}`);
    expect(created.jobs.map((j) => j.params)).toEqual([{ latent_dim: 2 }, { latent_dim: 4 }]);

    // Live: the first job's losses reach the curves chart while the sweep still runs.
    await until("losses while training", async () => (await num("sweep-curves", "data-points")) >= 3, 240_000, 250);
    expect(await page.getByTestId("sweep-state").getAttribute("data-state")).toMatch(/queued|running/);
    expect(await page.getByTestId("sweep-cancel").isVisible()).toBe(true);
    await shot(page, "sweep-02-training");

    await until("the sweep done", async () => (await page.getByTestId("sweep-state").getAttribute("data-state")) === "done", 540_000, 500);
    const done = await getJson<SweepInfo>(`/api/sweeps/${id}`);
    expect(done.jobs.every((j) => j.state === "done" && j.model_id && j.psnr !== null)).toBe(true);
    const points = page.getByTestId("sweep-point");
    await until("two points", async () => (await points.count()) === 2);
    expect(await points.evaluateAll((els) => els.map((e) => e.getAttribute("data-model")))).toEqual(done.jobs.map((j) => j.model_id));
    // Every batch of both jobs on the curves chart, nothing dropped.
    const steps = await Promise.all(done.jobs.map(async (j) => (await getJson<{ losses: unknown[] }>(`/api/jobs/${j.job_id}`)).losses.length));
    await until("every loss on the curves", async () => (await num("sweep-curves", "data-points")) === steps[0]! + steps[1]!);
    expect(await num("sweep-curves", "data-curves")).toBe(2);
    expect(await num("sweep-chart", "data-points")).toBe(2);
    expect((await canvasStats(page.getByTestId("sweep-chart").locator("canvas").first())).colours).toBeGreaterThan(2);
    expect(await page.locator("[data-testid=sweep-jobs] tbody tr[data-state=done]").count()).toBe(2);
    await page.getByTestId("sweep-metric").selectOption("ssim");
    await until("SSIM plotted", async () => /SSIM against latent_dim/.test((await page.getByTestId("sweep-chart").getAttribute("aria-label")) ?? ""));
    await until("two points again", async () => (await points.count()) === 2);
    await page.getByTestId("sweep-metric").selectOption("psnr");
    await until("two points on PSNR", async () => (await points.count()) === 2);
    await page.waitForTimeout(300);
    await shot(page, "sweep-03-done");
    await page.screenshot({ path: "/tmp/aevp-sweeps-e2e.png", fullPage: true });

    // Shift-click both: Compare opens with the two models.
    const [a, b] = done.jobs.map((j) => j.model_id!);
    await points.nth(0).click({ modifiers: ["Shift"] });
    await until("the first point picked", async () => (await points.nth(0).getAttribute("class"))?.includes("picked") ?? false);
    await points.nth(1).click({ modifiers: ["Shift"] });
    await until("Compare open", async () => (await page.getByRole("tab", { name: "Compare" }).getAttribute("aria-selected")) === "true");
    await until("the two models compared", async () => (await page.getByTestId("model-select").inputValue()) === a && (await page.getByTestId("compare-select-b").inputValue()) === b, 30_000);

    // A plain click: that model in Explore.
    await openTab("Sweeps");
    await until("the points back", async () => (await points.count()) === 2);
    await points.nth(1).click();
    await until("Explore open", async () => (await page.getByRole("tab", { name: "Explore" }).getAttribute("aria-selected")) === "true");
    await until("the model explored", async () => (await page.getByTestId("model-select").inputValue()) === b && (await page.locator("[data-testid=latent-bars] li").count()) === 4, 60_000);
    await page.getByTestId("reconstruction").waitFor();
    await shot(page, "sweep-04-explored");
  });

  it("cancels a sweep: every job ends cancelled, shown by word and colour", async () => {
    await openTab("Sweeps");
    await page.getByTestId("sweep-values-0").fill("8, 16");
    await page.getByTestId("sweep-title").fill("e2e: cancelled");
    await page.getByTestId("sweep-start").click();
    const item = page.locator("[data-testid=sweep-item][aria-current=true]");
    await until("the new sweep open", async () => (await item.textContent())?.includes("e2e: cancelled") ?? false);
    const id = (await item.getAttribute("data-sweep"))!;
    await page.getByTestId("sweep-cancel").click();
    await until("the sweep cancelled", async () => (await page.getByTestId("sweep-state").getAttribute("data-state")) === "cancelled", 60_000, 250);
    const info = await getJson<SweepInfo>(`/api/sweeps/${id}`);
    expect(info.state).toBe("cancelled");
    expect(info.jobs.map((j) => j.state)).toEqual(["cancelled", "cancelled"]);
    await until("both rows cancelled", async () => (await page.locator("[data-testid=sweep-jobs] tbody tr[data-state=cancelled]").count()) === 2);
    expect(await page.getByTestId("sweep-state").evaluate((e) => getComputedStyle(e).color)).not.toBe(
      await page.locator("[data-testid=sweep-item]:not([aria-current]) .state-word").first().evaluate((e) => getComputedStyle(e).color),
    );
    expect(await page.getByTestId("sweep-cancel").count()).toBe(0);
    await shot(page, "sweep-05-cancelled");
  });
});
