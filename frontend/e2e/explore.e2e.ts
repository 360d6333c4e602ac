// Explore, in a real Chromium against a real server: the first view, drawing, latent sliders,
// and test-set images by class. Checked with pixels and numbers.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, newPage, shot } from "./browser";
import { atlasStats, canvasPixels, canvasStats, changedFraction, countWsMessages, until } from "./pixels";

const baseUrl = inject("baseUrl");

interface LayerRow {
  name: string;
  part: string;
  shape: number[];
}

let browser: Browser;
let page: Page;
let ws: Record<string, number>;
let layers: LayerRow[] = [];
let latentDim = 0;

/** Channels of each layer with heatmaps, from the model's own layer table. */
function expectedChannels(part: "encoder" | "decoder") {
  return layers.filter((l) => l.part === part && l.name !== "latent").map((l) => ({ name: l.name, channels: l.shape[2] ?? 1 }));
}

async function checkLayersPainted(testId: string, part: "encoder" | "decoder") {
  const expected = expectedChannels(part);
  const rows = page.getByTestId(testId).locator(".layer");
  expect(await rows.count()).toBe(expected.length);
  for (const [i, want] of expected.entries()) {
    const row = rows.nth(i);
    expect(await row.getAttribute("data-layer")).toBe(want.name);
    const atlas = row.locator("canvas.atlas");
    expect(await atlas.getAttribute("data-channels"), `${want.name} channels`).toBe(String(want.channels));
    const stats = await atlasStats(atlas);
    expect(stats).toHaveLength(want.channels);
    for (const [c, s] of stats.entries()) expect(s.opaque, `${want.name}[${c}] painted`).toBe(1);
    const varied = stats.filter((s) => s.colours > 1).length;
    expect(varied, `${want.name}: channels with structure`).toBeGreaterThan(0);
  }
}

async function latentValues(): Promise<number[]> {
  return page.locator("[data-testid=latent-bars] li").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-value"))));
}

async function drawStroke(points: [number, number][]) {
  const box = (await page.getByTestId("draw-canvas").boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
  await page.mouse.move(...at(points[0]!));
  await page.mouse.down();
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1]!;
    const [x1, y1] = points[i]!;
    for (let k = 1; k <= 8; k++) {
      await page.mouse.move(...at([x0 + ((x1 - x0) * k) / 8, y0 + ((y1 - y0) * k) / 8]));
      await page.waitForTimeout(16); // about one frame per move, as a hand would
    }
  }
  await page.mouse.up();
}

describe("Explore", () => {
  beforeAll(async () => {
    browser = await launch();
    page = await newPage(browser, baseUrl);
    ws = countWsMessages(page);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("opens with a pretrained MNIST model and a test digit already explored", async () => {
    const t0 = Date.now();
    await page.goto("/");
    await page.getByTestId("reconstruction").waitFor({ timeout: 30_000 });
    console.log(`first explore painted ${Date.now() - t0} ms after navigation`);

    const modelId = await page.getByTestId("model-select").inputValue();
    const models = (await (await fetch(`${baseUrl}/api/models`)).json()) as { id: string; pretrained: boolean; dataset: string }[];
    const model = models.find((m) => m.id === modelId);
    expect(model?.pretrained).toBe(true);
    expect(model?.dataset).toBe("mnist");
    const detail = (await (await fetch(`${baseUrl}/api/models/${modelId}`)).json()) as { layers: LayerRow[]; spec: { latent_dim: number } };
    layers = detail.layers;
    latentDim = detail.spec.latent_dim;

    // A test digit is in the canvas and in the 28x28 preview.
    expect(await page.getByTestId("input-source").getAttribute("data-label")).toMatch(/^\d$/);
    expect((await canvasStats(page.getByTestId("draw-canvas"))).inked).toBeGreaterThan(0.05);
    const preview = await canvasStats(page.getByTestId("input-preview"));
    expect(preview.darkness).toBeGreaterThan(0.05);

    await checkLayersPainted("encoder-layers", "encoder");
    await checkLayersPainted("decoder-layers", "decoder");
    const recon = await canvasStats(page.getByTestId("reconstruction"));
    expect(recon.darkness).toBeGreaterThan(0.03);
    expect(Number(await page.getByTestId("psnr").textContent().then((t) => t!.replace(/[^\d.]/g, "")))).toBeGreaterThan(10);
    const ssim = Number(await page.getByTestId("ssim").textContent());
    expect(ssim).toBeGreaterThan(0.3);
    expect(ssim).toBeLessThanOrEqual(1);
    await shot(page, "01-explore-loaded");
  });

  it("drawing a stroke fills every layer's heatmaps, the latent bars and a non-blank reconstruction", async () => {
    await page.getByRole("button", { name: "Clear" }).click();
    await until("the cleared view", async () => (await page.getByTestId("encoder-layers").count()) === 0);
    expect((await canvasStats(page.getByTestId("draw-canvas"))).inked).toBe(0);

    const before = ws.explore_result ?? 0;
    // A "7": the top bar, then the diagonal.
    await drawStroke([
      [0.25, 0.22],
      [0.72, 0.22],
      [0.45, 0.82],
    ]);
    const during = (ws.explore_result ?? 0) - before;
    expect(during, "explore results while drawing (not only at the end)").toBeGreaterThan(2);

    await until("the drawing's result", async () => (await page.getByTestId("input-source").textContent()) === "your drawing" && (await page.getByTestId("encoder-layers").count()) === 1);
    await page.waitForTimeout(300); // the newest answer (the whole stroke) lands
    await checkLayersPainted("encoder-layers", "encoder");
    await checkLayersPainted("decoder-layers", "decoder");

    const values = await latentValues();
    expect(values).toHaveLength(latentDim);
    expect(values.every(Number.isFinite)).toBe(true);
    expect(values.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    const widths = await page.locator("[data-testid=latent-bars] .latent-bar").evaluateAll((els) => els.map((e) => (e as HTMLElement).getBoundingClientRect().width));
    expect(widths.filter((w) => w > 1).length).toBeGreaterThan(0);
    const numbers = await page.locator("[data-testid=latent-bars] .latent-value").allTextContents();
    expect(numbers.map(Number).every(Number.isFinite)).toBe(true);

    const recon = await canvasStats(page.getByTestId("reconstruction"));
    expect(recon.darkness).toBeGreaterThan(0.03);
    expect(recon.colours).toBeGreaterThan(5);
    await shot(page, "02-explore-drawn");
  });

  it("moving a latent slider by keyboard repaints the reconstruction and the decoder's heatmaps, not the encoder's", async () => {
    const recon = page.getByTestId("reconstruction");
    const atlasOf = (part: "encoder" | "decoder", name: string) => page.getByTestId(`${part}-layers`).locator(`.layer[data-layer="${name}"] canvas.atlas`);
    const decoderLast = expectedChannels("decoder").at(-2)!.name; // the last tconv (dec_tconv2 in the default model), before the output
    const decAtlas = atlasOf("decoder", decoderLast);
    const encAtlas = atlasOf("encoder", expectedChannels("encoder")[0]!.name);
    const before = await canvasPixels(recon);
    const decBefore = await canvasPixels(decAtlas);
    const encBefore = await canvasPixels(encAtlas);
    const slider = page.getByTestId("latent-slider-0");
    const valueBefore = await slider.getAttribute("aria-valuetext");
    const serviceDecodes = ws.decode_result ?? 0;
    await slider.focus();
    for (let i = 0; i < 40; i++) await page.keyboard.press("ArrowRight");
    const changed = await until("a repainted reconstruction", async () => {
      const f = changedFraction(before, await canvasPixels(recon));
      return f > 0.02 ? f : 0;
    });
    const decChanged = await until(`a repainted ${decoderLast} heatmap`, async () => {
      const f = changedFraction(decBefore, await canvasPixels(decAtlas));
      return f > 0.02 ? f : 0;
    });
    console.log(`slider: ${(changed * 100).toFixed(1)}% of the reconstruction's pixels changed, ${(decChanged * 100).toFixed(1)}% of ${decoderLast}'s`);
    // Every decoder row is painted from the sliders' latent, none is dimmed; the encoder still shows the drawing.
    await checkLayersPainted("decoder-layers", "decoder");
    expect(changedFraction(encBefore, await canvasPixels(encAtlas), 0), "the encoder does not take part in decoding").toBe(0);
    const decoderPanel = page.getByTestId("decoder");
    expect(await decoderPanel.evaluate((el) => getComputedStyle(el.querySelector(".layers")!).opacity)).toBe("1");
    expect(await decoderPanel.locator(".explain").textContent()).toMatch(/follows the sliders/i);
    expect(await slider.getAttribute("aria-valuetext")).not.toBe(valueBefore);
    expect(await page.getByTestId("reset-latent").isEnabled()).toBe(true);
    // Decoded in the page (the model's decoder, fetched once with the model), not by the service, and to the
    // picture the service draws for the same code (the URL holds the sliders' values in full).
    expect(await page.getByTestId("output").locator(".outputs").getAttribute("data-decoded-in")).toBe("page");
    expect(ws.decode_result ?? 0).toBe(serviceDecodes);
    await page.waitForTimeout(800); // the link follows once the view has been still for 300 ms
    const link = new URLSearchParams(new URL(page.url()).hash.slice(1));
    const z = link.get("z")!.split(",").map(Number);
    const served = (await (
      await fetch(`${baseUrl}/api/models/${link.get("model")}/decode`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ latent: z }) })
    ).json()) as { reconstruction: (number | null)[] };
    const shown = await canvasPixels(recon);
    const worst = Math.max(...served.reconstruction.map((v, i) => Math.abs(255 - Math.round((v ?? 0) * 255) - shown[i * 4]!)));
    expect(worst, "grey levels apart from the service's decoding of the same code").toBeLessThanOrEqual(1);
    await shot(page, "03-explore-slider");

    await page.getByTestId("reset-latent").click();
    await until("the drawing's reconstruction again", async () => changedFraction(before, await canvasPixels(recon)) < 0.005);
    await until(`the drawing's ${decoderLast} heatmap again`, async () => changedFraction(decBefore, await canvasPixels(decAtlas)) < 0.005);
  });

  it("explores a test-set image of a chosen class", async () => {
    await page.getByTestId("class-select").selectOption("3");
    await until("a 3 from the test set", async () => (await page.getByTestId("input-source").getAttribute("data-label")) === "3");
    expect(await page.locator(".thumbs button").count()).toBeGreaterThan(1);
    // The result shown is the one for this image: the output's input equals the 28x28 preview.
    const preview = page.getByTestId("input-preview");
    const outputInput = page.getByTestId("output").getByRole("img", { name: "input", exact: true });
    await until("the result for the chosen image", async () => changedFraction(await canvasPixels(preview), await canvasPixels(outputInput), 0) === 0);
    expect((await canvasStats(page.getByTestId("reconstruction"))).darkness).toBeGreaterThan(0.03);
    await checkLayersPainted("encoder-layers", "encoder");
    await shot(page, "04-explore-class-3");

    await page.locator(".thumbs button").nth(2).click();
    await until("another 3", async () => (await page.locator(".thumbs button.active").count()) === 1 && (await page.getByTestId("input-source").getAttribute("data-label")) === "3");
  });

  it("a folded heatmap panel is not asked for; shown again, it is painted for the current input", async () => {
    await page.getByTestId("fold-encoder").click();
    await until("the encoder folded", async () => (await page.getByTestId("encoder-layers").count()) === 0);
    expect(await page.getByTestId("encoder").textContent()).toMatch(/not sent/);
    // A new input: its answer carries the decoder's layers only, and the decoder is painted from it.
    await page.locator(".thumbs button").nth(1).click();
    await until("the new input's answer", async () => (await page.locator(".thumbs button.active").count()) === 1);
    await page.waitForTimeout(300);
    await checkLayersPainted("decoder-layers", "decoder");
    expect(await page.getByTestId("encoder-layers").count()).toBe(0);
    await page.getByTestId("fold-encoder").click();
    await until("the encoder back", async () => (await page.getByTestId("encoder-layers").count()) === 1);
    await checkLayersPainted("encoder-layers", "encoder");
  });

  it("reaches every control with Tab, each with a name; the tabs switch with the arrow keys", async () => {
    const focusWalk = async (limit: number) => {
      // Clicking the page title sets where sequential focus navigation starts: the top.
      await page.locator("h1").click();
      const seen: { tag: string; name: string; testId: string | null }[] = [];
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press("Tab");
        const f = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el || el === document.body) return null;
          const input = el as HTMLInputElement;
          const name =
            el.getAttribute("aria-label") ??
            (input.labels?.[0]?.textContent || null) ??
            (el.textContent?.trim() || null) ??
            el.getAttribute("title") ??
            "";
          return { tag: el.tagName.toLowerCase(), name: name.trim(), testId: el.getAttribute("data-testid") };
        });
        if (!f) break;
        if (seen.length && seen[0]!.tag === f.tag && seen[0]!.name === f.name && seen[0]!.testId === f.testId) break; // wrapped
        seen.push(f);
      }
      return seen;
    };

    await page.goto("/");
    await page.getByTestId("reconstruction").waitFor({ timeout: 30_000 });
    const dims = await page.locator("[data-testid=latent-bars] li").count();
    const explore = await focusWalk(120);
    const names = explore.map((f) => f.name);
    for (const f of explore) expect(f.name, `a name for <${f.tag} data-testid=${f.testId}>`).not.toBe("");
    expect(names).toContain("Explore");
    expect(explore.some((f) => f.testId === "model-select")).toBe(true);
    expect(names).toContain("Clear");
    expect(explore.some((f) => f.testId === "class-select")).toBe(true);
    expect(dims).toBeGreaterThan(0);
    for (let d = 0; d < dims; d++) expect(names).toContain(`latent dimension ${d}`);
    expect(explore.some((f) => f.testId === "reset-latent") || (await page.getByTestId("reset-latent").isDisabled())).toBe(true);
    expect(names.some((n) => /channel|layer|global/.test(n))).toBe(true);

    // The tab list: arrows move between Explore, Compare and Build & Train.
    await page.getByRole("tab", { name: "Explore" }).focus();
    await page.keyboard.press("ArrowRight");
    await page.getByTestId("compare-view").waitFor();
    await page.keyboard.press("ArrowRight");
    await page.getByTestId("builder").waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/Build/);
    const build = await focusWalk(120);
    for (const f of build) expect(f.name, `a name for <${f.tag} data-testid=${f.testId}>`).not.toBe("");
    const buildNames = build.map((f) => f.name);
    for (const label of ["Dataset", "Variant", "Downsample", "Latent size", "Activation", "Loss", "Optimizer", "Learning rate", "Batch size", "Epochs", "Seed", "filters", "kernel", "Add block"]) {
      expect(buildNames.some((n) => n.startsWith(label)), `${label} reachable`).toBe(true);
    }
    expect(build.some((f) => f.testId === "train-button")).toBe(true);
    await page.getByRole("tab", { name: /Build/ }).focus();
    await page.keyboard.press("ArrowLeft");
    await page.getByTestId("compare-view").waitFor();
    await page.keyboard.press("ArrowLeft");
    await page.getByTestId("encoder").waitFor();
  });
});
