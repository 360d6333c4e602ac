// Walking the latent space, in a real Chromium against a real server: an interpolation strip of N
// distinct decoded images, a traversal grid, and for a VAE its sigma whiskers and prior samples.
// Checked with pixels.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { launch, newPage, shot } from "./browser";
import { allCanvasStats, canvasPixels, changedFraction, until } from "./pixels";

const baseUrl = inject("baseUrl");

let browser: Browser;
let page: Page;

/** Every canvas's RGBA bytes, in one round trip. */
async function allPixels(loc: Locator): Promise<number[][]> {
  return loc.evaluateAll((els) =>
    els.map((el) => {
      const c = el as HTMLCanvasElement;
      return Array.from(window.canvasRgba(c));
    }),
  );
}

/** Pairs (i, j) of images with identical pixels. */
function identicalPairs(images: number[][]): [number, number][] {
  const same: [number, number][] = [];
  for (let i = 0; i < images.length; i++) for (let j = i + 1; j < images.length; j++) if (changedFraction(images[i]!, images[j]!, 0) === 0) same.push([i, j]);
  return same;
}

async function expectDistinctStrip(n: number) {
  const strip = page.getByTestId("interp-strip");
  await until(`a strip of ${n}`, async () => (await strip.getAttribute("data-count")) === String(n) && !(await strip.getAttribute("class"))!.includes("stale"));
  const canvases = strip.locator("canvas");
  expect(await canvases.count()).toBe(n);
  const stats = await allCanvasStats(canvases);
  for (const s of stats) {
    expect(s.opaque).toBe(1);
    expect(s.darkness).toBeGreaterThan(0.02);
  }
  expect(identicalPairs(await allPixels(canvases)), "every step a different image").toEqual([]);
}

describe("Latent walks", () => {
  beforeAll(async () => {
    browser = await launch();
    page = await newPage(browser, baseUrl);
    await page.goto("/");
    await page.getByTestId("reconstruction").waitFor({ timeout: 30_000 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("interpolates between two test images: a strip of N distinct decoded images, N as chosen", async () => {
    // Filled before any click: A and B are the first two test images.
    await page.getByTestId("interp-strip").waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("walk-end-a").textContent()).toMatch(/test #0/);
    expect(await page.getByTestId("walk-end-b").textContent()).toMatch(/test #1/);
    expect(await page.getByTestId("interp-strip").getAttribute("data-path")).toBe("linear");
    await expectDistinctStrip(8);
    await page.getByTestId("interp-strip").scrollIntoViewIfNeeded();
    await shot(page, "13-interpolate");

    await page.getByTestId("interp-steps").selectOption("5");
    await expectDistinctStrip(5);

    // The input becomes B: its thumbnail and the strip's last image change.
    const strip = page.getByTestId("interp-strip").locator("canvas");
    const lastBefore = await canvasPixels(strip.last());
    const thumbBefore = await canvasPixels(page.getByTestId("walk-thumb-b"));
    await page.getByTestId("class-select").selectOption("3");
    await until("a 3 as the input", async () => (await page.getByTestId("input-source").getAttribute("data-label")) === "3");
    await page.getByTestId("use-as-b").click();
    await until("B is the 3", async () => /“3”/.test((await page.getByTestId("walk-end-b").textContent())!));
    expect(changedFraction(thumbBefore, await canvasPixels(page.getByTestId("walk-thumb-b")))).toBeGreaterThan(0.02);
    await until("the strip ends at the 3", async () => changedFraction(lastBefore, await canvasPixels(strip.last())) > 0.02);
    await expectDistinctStrip(5);
  });

  it("traverses two latent dimensions around the current code: a grid whose rows and columns differ", async () => {
    const grid = page.getByTestId("traverse-grid");
    await grid.waitFor({ timeout: 30_000 });
    await until("a 9 x 9 grid", async () => (await grid.getAttribute("data-rows")) === "9" && (await grid.getAttribute("data-cols")) === "9");
    const images = await allPixels(grid.locator("canvas"));
    expect(images).toHaveLength(81);
    // Along a row (dimension x) and down a column (dimension y) the decoded image changes.
    expect(changedFraction(images[0]!, images[8]!)).toBeGreaterThan(0.01);
    expect(changedFraction(images[0]!, images[72]!)).toBeGreaterThan(0.01);
    for (const s of await allCanvasStats(grid.locator("canvas"))) expect(s.opaque).toBe(1);
    await grid.scrollIntoViewIfNeeded();
    await shot(page, "14-traverse");

    // One dimension only: a single row.
    await page.getByTestId("traverse-y").selectOption("-1");
    await until("one row of 9", async () => (await grid.getAttribute("data-rows")) === "1" && (await grid.locator("canvas").count()) === 9);

    // A wider range: the column values spread further around the same centre.
    const width = async () => {
      const v = (await grid.locator(".traverse-cols span").allTextContents()).map(Number);
      return v.at(-1)! - v[0]!;
    };
    const narrow = await width();
    await page.getByTestId("traverse-span").selectOption("6");
    const wide = await until("a wider sweep", async () => {
      const w = await width();
      return w > narrow * 2 ? w : null;
    });
    // 6 / 2.5 = 2.4, read from labels rounded to two significant digits.
    expect(wide / narrow).toBeGreaterThan(2.1);
    expect(wide / narrow).toBeLessThan(2.7);
  });

  it("a VAE shows mean ± sigma whiskers, interpolates along the sphere, and samples its prior", async () => {
    const models = (await (await fetch(`${baseUrl}/api/models`)).json()) as { id: string; spec: { variant: string; dataset: string } }[];
    const vae = models.find((m) => m.spec.variant === "vae" && m.spec.dataset === "mnist");
    expect(vae, "a VAE on the server (the shipped pretrained one)").toBeTruthy();
    expect(await page.getByTestId("prior").count(), "no prior panel for a plain model").toBe(0);
    await page.getByTestId("model-select").selectOption(vae!.id);

    // Whiskers: one per dimension, of positive width, with the sigma in the bar's data.
    await until("sigma whiskers", async () => (await page.locator("[data-testid^=latent-sigma-]").count()) > 0, 30_000);
    const dims = await page.locator("[data-testid=latent-bars] li").count();
    expect(await page.locator("[data-testid^=latent-sigma-]").count()).toBe(dims);
    const widths = await page.locator("[data-testid^=latent-sigma-]").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    expect(widths.every((w) => w > 0)).toBe(true);
    const sigmas = await page.locator("[data-testid=latent-bars] li").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-sigma"))));
    expect(sigmas.every((s) => s > 0 && s < 10)).toBe(true);
    await page.getByTestId("bottleneck").screenshot({ path: `${import.meta.dirname}/screenshots/15-vae-whiskers.png` });

    await until("a spherical strip", async () => (await page.getByTestId("interp-strip").getAttribute("data-path")) === "spherical");
    await expectDistinctStrip(5);

    // The prior: 16 painted samples, not all alike; another draw changes them.
    const grid = page.getByTestId("prior-grid");
    await grid.waitFor({ timeout: 30_000 });
    expect(await grid.getAttribute("data-count")).toBe("16");
    const canvases = grid.locator("canvas");
    expect(await canvases.count()).toBe(16);
    for (const s of await allCanvasStats(canvases)) {
      expect(s.opaque).toBe(1);
      expect(s.darkness).toBeGreaterThan(0.02);
    }
    const first = await allPixels(canvases);
    expect(identicalPairs(first)).toEqual([]);
    await grid.scrollIntoViewIfNeeded();
    await shot(page, "16-vae-prior");
    await page.getByTestId("prior-button").click();
    await until("new samples", async () => (await grid.getAttribute("data-seed")) === "1" && !(await grid.getAttribute("class"))!.includes("stale"));
    await until("repainted samples", async () => changedFraction(first[0]!, await canvasPixels(canvases.first())) > 0.02);
  });
});
