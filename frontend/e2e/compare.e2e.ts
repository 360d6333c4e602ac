// Compare, in a real Chromium against a real server: two models side by side on one input, each
// explored through its own socket. Checked with pixels: two reconstructions painted, of the same
// image, and different from each other.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, newPage, shot } from "./browser";
import { canvasPixels, canvasStats, changedFraction, until } from "./pixels";

const baseUrl = inject("baseUrl");

let browser: Browser;
let page: Page;

interface Summary {
  id: string;
  title: string;
}

const view = () => page.getByTestId("compare-view");
const col = (side: "a" | "b") => view().getByTestId(`compare-${side}`);
const recon = (side: "a" | "b") => view().getByTestId(`compare-recon-${side}`);
const fresh = async (side: "a" | "b") => (await col(side).getAttribute("data-same-input")) === "true";

async function expectPainted(side: "a" | "b") {
  const s = await canvasStats(recon(side));
  expect(s.opaque, `${side}: reconstruction painted`).toBe(1);
  expect(s.darkness, `${side}: reconstruction not blank`).toBeGreaterThan(0.03);
  const psnr = Number((await view().getByTestId(`compare-psnr-${side}`).textContent())!.replace(/[^\d.]/g, ""));
  expect(psnr, `${side}: PSNR`).toBeGreaterThan(8);
  const ssim = parseFloat((await view().getByTestId(`compare-ssim-${side}`).textContent())!);
  expect(ssim).toBeGreaterThan(0);
  expect(ssim).toBeLessThanOrEqual(1);
  expect(await view().getByTestId(`compare-latent-${side}`).locator("li").count()).toBeGreaterThan(0);
  expect(await view().getByTestId(`compare-layers-${side}`).locator("canvas.atlas").count()).toBeGreaterThan(0);
}

describe("Compare", () => {
  beforeAll(async () => {
    browser = await launch();
    page = await newPage(browser, baseUrl);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows two models side by side on the same input: two titles, two reconstructions, their metrics", async () => {
    await page.goto("/");
    await page.getByTestId("reconstruction").waitFor({ timeout: 30_000 });
    await page.getByRole("tab", { name: "Compare" }).click();
    await recon("a").waitFor();
    await recon("b").waitFor({ timeout: 30_000 });
    await until("both results for the current input", async () => (await fresh("a")) && (await fresh("b")));

    const models = (await (await fetch(`${baseUrl}/api/models`)).json()) as Summary[];
    const idA = await view().getByTestId("compare-select-a").inputValue();
    const idB = await view().getByTestId("compare-select-b").inputValue();
    expect(idA).toBe(await page.getByTestId("model-select").inputValue());
    expect(idB).not.toBe(idA);
    const title = (id: string) => models.find((m) => m.id === id)!.title;
    expect(await view().getByTestId("compare-title-a").textContent()).toContain(title(idA));
    expect(await view().getByTestId("compare-title-b").textContent()).toContain(title(idB));

    await expectPainted("a");
    await expectPainted("b");
    // Two models, one image: their reconstructions differ.
    expect(changedFraction(await canvasPixels(recon("a")), await canvasPixels(recon("b")), 2)).toBeGreaterThan(0.01);
    // Exactly one side is marked better per metric (or neither on a tie).
    expect(await view().locator("[data-testid=compare-errors-a] dd.better, [data-testid=compare-errors-b] dd.better").count()).toBeGreaterThan(0);
    await shot(page, "12-compare");
  });

  it("a test image picked here goes to both models", async () => {
    const beforeA = await canvasPixels(recon("a"));
    const beforeB = await canvasPixels(recon("b"));
    await view().getByTestId("class-select").selectOption("3");
    await until("a 3 in both columns", async () => {
      const label = await view().getByTestId("input-source").getAttribute("data-label");
      return label === "3" && (await fresh("a")) && (await fresh("b"));
    });
    await until("both reconstructions repainted", async () => changedFraction(beforeA, await canvasPixels(recon("a"))) > 0.02 && changedFraction(beforeB, await canvasPixels(recon("b"))) > 0.02);
    await expectPainted("a");
    await expectPainted("b");
  });

  it("choosing another second model repaints its column only, on the same image", async () => {
    const models = (await (await fetch(`${baseUrl}/api/models`)).json()) as Summary[];
    const idA = await view().getByTestId("compare-select-a").inputValue();
    const idB = await view().getByTestId("compare-select-b").inputValue();
    const next = models.find((m) => m.id !== idA && m.id !== idB) ?? models.find((m) => m.id !== idB)!;
    const beforeA = await canvasPixels(recon("a"));
    const beforeB = await canvasPixels(recon("b"));
    await view().getByTestId("compare-select-b").selectOption(next.id);
    await until("the new second model's title", async () => (await view().getByTestId("compare-title-b").textContent())!.includes(next.title));
    await until("its reconstruction of the same image", async () => (await fresh("b")) && changedFraction(beforeB, await canvasPixels(recon("b"))) > 0.01);
    expect(changedFraction(beforeA, await canvasPixels(recon("a")), 0)).toBe(0);
    await expectPainted("b");

    // Back to Explore: the first model's view is still there.
    await page.getByRole("tab", { name: "Explore" }).click();
    await page.getByTestId("reconstruction").waitFor();
    expect(await page.getByTestId("compare-view").count()).toBe(0);
  });
});
