// A view shared by its URL, in a real Chromium against a real server: set up a view, read the URL (and
// what Copy link copies), open it in a new page and find the same model, input pixels, slider values,
// tab, map and Compare pair; a link to a deleted model shows a notice and the default model.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, newPage, shot } from "./browser";
import { canvasPixels, changedFraction, until } from "./pixels";

const baseUrl = inject("baseUrl");
const PLANE_MODEL = "vae-32-64-l2-mnist"; // a 2-D code: two sliders and the latent-plane map
const DEFAULT_MODEL = "ae-32-64-l16-mnist";

let browser: Browser;

const explore = (page: Page) => page.locator("#view-explore");
const sliderValues = (page: Page) => explore(page).locator("[data-testid=latent-bars] li").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-value"))));
const selectedTab = (page: Page) => page.locator("nav.tabs [role=tab][aria-selected=true]").getAttribute("id");
const mapTab = (page: Page) => page.locator(".map-tabs [role=tab][aria-selected=true]").getAttribute("data-testid");
const fragment = (page: Page) => new URL(page.url()).hash;

/** Opens `url` in a fresh page and waits for the explored input's reconstruction (hidden on other tabs). */
async function open(url: string): Promise<Page> {
  const page = await newPage(browser, baseUrl);
  await page.goto(url);
  await explore(page).getByTestId("reconstruction").waitFor({ state: "attached", timeout: 30_000 });
  return page;
}

/** Presses an arrow key on slider `dim` `times` times (each press decodes a new code). */
async function nudge(page: Page, dim: number, key: "ArrowRight" | "ArrowLeft", times: number) {
  const slider = explore(page).getByTestId(`latent-slider-${dim}`);
  await slider.focus();
  for (let i = 0; i < times; i++) await slider.press(key);
}

async function drawStroke(page: Page, points: [number, number][]) {
  const box = (await explore(page).getByTestId("draw-canvas").boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
  await page.mouse.move(...at(points[0]!));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 10 });
  await page.mouse.up();
}

/** The same picture on both pages; `tol` in 8-bit levels. */
async function samePixels(a: Page, b: Page, testId: string, tol: number) {
  const [pa, pb] = [await canvasPixels(explore(a).getByTestId(testId)), await canvasPixels(explore(b).getByTestId(testId))];
  expect(pa.length).toBeGreaterThan(0);
  expect(changedFraction(pa, pb, tol), `${testId}: pixels that differ`).toBe(0);
}

describe("a view's URL", () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("restores a model, a test image, two moved sliders and the latent-plane map in a new page", async () => {
    const page = await open("/");
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.getByTestId("model-select").selectOption(PLANE_MODEL);
    await until("the 2-D model explored", async () => (await explore(page).locator("[data-testid=latent-bars] li").count()) === 2);
    await explore(page).getByTestId("class-select").selectOption("5");
    await explore(page).locator("ul.thumbs button").nth(2).click();
    await until("test image picked", async () => (await explore(page).getByTestId("input-source").getAttribute("data-label")) === "5");
    const source = await explore(page).getByTestId("input-source").textContent();
    await nudge(page, 0, "ArrowRight", 12);
    await nudge(page, 1, "ArrowLeft", 7);
    await explore(page).getByTestId("latent-map-tab-latent").click();
    await explore(page).getByTestId("latent-map-canvas").waitFor({ timeout: 30_000 });
    await page.waitForTimeout(800); // the last decode lands; the URL follows 300 ms after the view's last change
    const values = await sliderValues(page);
    expect(values).toHaveLength(2);

    const hash = await until("the URL following the view", async () => {
      const h = fragment(page);
      return h.includes("z=") && h.includes("map=latent") ? h : null;
    });
    expect(hash).toMatch(new RegExp(`model=${PLANE_MODEL}.*test=mnist:\\d+`));
    console.log(`view URL: ${page.url().length} characters: ${page.url()}`);
    await page.getByTestId("copy-link").click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(page.url());

    const other = await open(copied);
    await until("the sliders restored", async () => JSON.stringify(await sliderValues(other)) === JSON.stringify(values));
    expect(await other.getByTestId("model-select").inputValue()).toBe(PLANE_MODEL);
    expect(await explore(other).getByTestId("input-source").textContent()).toBe(source);
    expect(await selectedTab(other)).toBe("tab-explore");
    expect(await mapTab(other)).toBe("latent-map-tab-latent");
    await explore(other).getByTestId("latent-map-canvas").waitFor({ timeout: 30_000 });
    await samePixels(page, other, "input-preview", 0);
    // The same code through the same decoder: the same reconstruction.
    await until("the decoded reconstruction", async () => changedFraction(await canvasPixels(explore(page).getByTestId("reconstruction")), await canvasPixels(explore(other).getByTestId("reconstruction")), 1) === 0);
    expect(await other.getByTestId("notice").count()).toBe(0);
    await shot(other, "url-01-restored-plane");
    await page.close();
    await other.close();
  });

  it("restores a drawing, a moved slider, the Compare tab and its pair", async () => {
    const page = await open("/");
    await explore(page).getByRole("button", { name: "Clear" }).click();
    await drawStroke(page, [
      [0.3, 0.2],
      [0.7, 0.2],
      [0.45, 0.85],
    ]);
    await until("the drawing explored", async () => (await explore(page).getByTestId("input-source").textContent()) === "your drawing");
    await page.waitForTimeout(500);
    await nudge(page, 3, "ArrowRight", 10);
    await page.getByRole("tab", { name: "Compare" }).click();
    const b = page.getByTestId("compare-select-b");
    await b.waitFor({ timeout: 30_000 });
    await b.selectOption(PLANE_MODEL);
    await page.getByTestId("compare-recon-b").waitFor({ timeout: 30_000 });
    const values = await sliderValues(page);
    const hash = await until("the URL following the view", async () => {
      const h = fragment(page);
      return h.includes("tab=compare") && h.includes(`vs=${PLANE_MODEL}`) && h.includes("z=") ? h : null;
    });
    expect(hash).toMatch(/draw=r[\w-]+/);
    console.log(`drawing URL: ${page.url().length} characters`);

    const other = await open(page.url());
    expect(await selectedTab(other)).toBe("tab-compare");
    await other.getByTestId("compare-recon-b").waitFor({ timeout: 30_000 });
    expect(await other.getByTestId("compare-select-b").inputValue()).toBe(PLANE_MODEL);
    expect(await other.getByTestId("model-select").inputValue()).toBe(await page.getByTestId("model-select").inputValue());
    expect(await explore(other).getByTestId("input-source").textContent()).toBe("your drawing");
    await until("the sliders restored", async () => JSON.stringify(await sliderValues(other)) === JSON.stringify(values));
    // The link carries the drawing as bytes (each pixel within half a level of the drawn one).
    await samePixels(page, other, "input-preview", 1);
    await shot(other, "url-02-restored-compare");
    await page.close();
    await other.close();
  });

  it("a link to a deleted model shows a notice and the default model; garbage never breaks the page", async () => {
    const page = await open("/#model=ae-deleted-20250101-000000-abcdef&tab=build&z=1,2,3&map=tsne");
    const notice = page.getByTestId("notice");
    await notice.waitFor();
    expect(await notice.getAttribute("class")).toContain("warning");
    expect(await notice.textContent()).toContain("ae-deleted-20250101-000000-abcdef");
    expect(await page.getByTestId("model-select").inputValue()).toBe(DEFAULT_MODEL);
    expect(await selectedTab(page)).toBe("tab-build");
    await until("the URL naming the model shown", async () => fragment(page).includes(`model=${DEFAULT_MODEL}`));
    await shot(page, "url-03-deleted-model");
    await page.close();

    const junk = await open("/#model=%E0%A4&draw=r!!!&z=NaN,1e999&test=mnist:99999999&tab=<script>&vs=");
    expect(await junk.getByTestId("model-select").inputValue()).toBe(DEFAULT_MODEL);
    expect(await junk.getByTestId("notice").textContent()).toMatch(/could not be restored in full/);
    expect(await selectedTab(junk)).toBe("tab-explore");
    await junk.close();
  });
});
