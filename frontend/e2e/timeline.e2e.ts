// "How it learned" in a real Chromium against a real server: the scrubber shows a model's first frame
// (random weights: the reconstructions far from the test images) and its last (close to them), every
// layer and the map follow, the URL carries the frame and a new page opens on it, and Play moves on.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, newPage, shot } from "./browser";
import { canvasPixels, canvasStats, changedFraction, until } from "./pixels";

const baseUrl = inject("baseUrl");
const SHIPPED = "ae-32-64-l16-mnist";
const SHIPPED_QUICKDRAW = "ae-32-64-l16-quickdraw";
// Trained here when the shipped model has no timeline: one quick epoch on MNIST.
const QUICK = { dataset: "mnist", blocks: [{ filters: 4, kernel: 3 }], latent_dim: 4, batch_size: 256, epochs: 1 };

let browser: Browser;
let modelId = "";

const panel = (page: Page) => page.getByTestId("timeline");
const frameIndex = async (page: Page) => Number(await panel(page).getByTestId("timeline-frame").getAttribute("data-index"));

async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const r = await fetch(`${baseUrl}${path}`, init);
  return { status: r.status, body: (await r.json()) as T };
}

/** A model with a timeline: the shipped one's, else a quick job's on the same dataset. */
async function modelWithTimeline(shipped = SHIPPED, dataset = "mnist"): Promise<string> {
  if ((await api(`/api/models/${shipped}/timeline`)).status === 200) return shipped;
  const spec = { ...QUICK, dataset };
  const job = await api<{ id: string }>("/api/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ spec }) });
  expect(job.status).toBe(201);
  return until(
    "the quick job's model",
    async () => {
      const j = (await api<{ state: string; model_id: string | null }>(`/api/jobs/${job.body.id}`)).body;
      if (j.state === "failed" || j.state === "cancelled") throw new Error(`job ${j.state}`);
      return j.state === "done" ? j.model_id : null;
    },
    170_000,
    500,
  );
}

async function open(path: string): Promise<Page> {
  const page = await newPage(browser, baseUrl);
  await page.goto(path);
  await panel(page).getByTestId("timeline-frame").waitFor({ timeout: 60_000 });
  return page;
}

/** How far each probe's reconstruction is from its input, over the canvases' red channel (0..255). */
async function reconError(page: Page): Promise<number> {
  const inputs = panel(page).getByTestId("timeline-inputs").locator("canvas");
  const n = await inputs.count();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const a = await canvasPixels(inputs.nth(i));
    const b = await canvasPixels(panel(page).getByTestId(`timeline-recon-${i}`));
    for (let k = 0; k < a.length; k += 4) sum += (a[k]! - b[k]!) ** 2;
  }
  return sum / n;
}

async function scrubTo(page: Page, index: number): Promise<void> {
  await panel(page).getByTestId("timeline-scrubber").fill(String(index));
  await until(`frame ${index} shown`, async () => (await frameIndex(page)) === index);
}

describe("How it learned", () => {
  beforeAll(async () => {
    browser = await launch();
    modelId = await modelWithTimeline();
  }, 200_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("scrubs from random weights to the trained model, and the URL keeps the frame", async () => {
    const frames = (await api<{ frames: { step: number }[] }>(`/api/models/${modelId}/timeline`)).body.frames;
    expect(frames.length).toBeGreaterThanOrEqual(20);
    const page = await open(`/#model=${modelId}`);
    const last = frames.length - 1;
    expect(await frameIndex(page)).toBe(last); // opens on the trained model
    expect(Number(await panel(page).getByTestId("timeline-loss").getAttribute("data-step"))).toBe(frames[last]!.step);
    const trained = await reconError(page);
    const trainedMap = await canvasPixels(panel(page).getByTestId("timeline-map"));
    const trainedLayers = await canvasPixels(panel(page).getByTestId("timeline-layers").locator("canvas").first());
    await shot(page, "timeline-01-trained");

    await scrubTo(page, 0);
    const random = await reconError(page);
    console.log(`${modelId}: ${frames.length} frames; reconstruction error (squared, 8-bit) first ${random.toFixed(0)}, last ${trained.toFixed(0)}`);
    expect(trained).toBeLessThan(0.5 * random);
    expect(await panel(page).getByTestId("timeline-where").getAttribute("data-step")).toBe("0");
    expect(Number(await panel(page).getByTestId("timeline-loss").getAttribute("data-step"))).toBe(0);
    expect(changedFraction(trainedMap, await canvasPixels(panel(page).getByTestId("timeline-map")))).toBeGreaterThan(0.005);
    expect(changedFraction(trainedLayers, await canvasPixels(panel(page).getByTestId("timeline-layers").locator("canvas").first()))).toBeGreaterThan(0.01);
    const map = await canvasStats(panel(page).getByTestId("timeline-map"));
    expect(map.colours).toBeGreaterThan(5); // points in several class colours
    await panel(page).scrollIntoViewIfNeeded();
    await shot(page, "timeline-02-random");

    const middle = Math.floor(frames.length / 3);
    await scrubTo(page, middle);
    const url = await until("the URL carrying the frame", async () => (page.url().includes(`frame=${middle}`) ? page.url() : null));
    const other = await open(url);
    await until("the linked frame", async () => (await frameIndex(other)) === middle);
    expect(changedFraction(await canvasPixels(panel(page).getByTestId("timeline-map")), await canvasPixels(panel(other).getByTestId("timeline-map")), 0)).toBe(0);
    await other.close();

    await panel(page).getByTestId("timeline-play").click();
    await until("playing on", async () => (await frameIndex(page)) > middle + 2, 30_000);
    await panel(page).getByTestId("timeline-play").click(); // pause
    const stopped = await frameIndex(page);
    await page.waitForTimeout(600);
    expect(await frameIndex(page)).toBeLessThanOrEqual(stopped + 1); // a fetch under way may still land
    await shot(page, "timeline-03-played");
    await page.close();
  });

  it("colours a QuickDraw model's 345 classes by the ten largest groups, or one chosen class", async () => {
    const id = await modelWithTimeline(SHIPPED_QUICKDRAW, "quickdraw");
    const page = await open(`/#model=${id}`);
    const legend = page.getByTestId("latent-map-legend");
    await page.getByTestId("latent-map-canvas").waitFor({ timeout: 60_000 });
    await until("the ten largest classes", async () => (await legend.getAttribute("data-mode")) === "largest");
    expect(await legend.getAttribute("data-entries")).toBe("11");
    const entries = await legend.locator("li[data-label]").allTextContents();
    expect(entries.at(-1)).toMatch(/^other \(335 classes\)/);
    expect(await page.getByTestId("dataset-credit").first().textContent()).toMatch(/Quick, Draw!.*CC BY 4\.0/);
    const all = await canvasStats(page.getByTestId("latent-map-canvas"));
    await shot(page, "timeline-04-quickdraw-largest");

    await page.getByTestId("latent-map-class-search").fill("cat");
    await page.getByTestId("latent-map-class-search").press("Enter");
    await until("one class chosen", async () => (await legend.getAttribute("data-mode")) === "chosen");
    expect(await legend.locator("li[data-label]").first().textContent()).toMatch(/cat/);
    const one = await canvasStats(page.getByTestId("latent-map-canvas"));
    console.log(`QuickDraw map: ${all.colours} colours for the ten largest, ${one.colours} with one class chosen`);
    expect(one.colours).toBeLessThan(all.colours);
    // The timeline's map uses the same colours: the ten largest classes and grey.
    expect((await canvasStats(panel(page).getByTestId("timeline-map"))).colours).toBeGreaterThan(3);
    await legend.scrollIntoViewIfNeeded();
    await shot(page, "timeline-05-quickdraw-one-class");
    await page.close();
  });
});
