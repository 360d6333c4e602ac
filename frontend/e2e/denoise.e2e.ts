// A denoising model in a real Chromium against a real server: the clean input, the corrupted one
// the encoder sees and the reconstruction side by side, and the noise control. Without a shipped
// denoising model, a tiny one is trained first with the CLI (about 15 s on two cores).
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, newPage, shot } from "./browser";
import { canvasPixels, canvasStats, changedFraction, until } from "./pixels";
import { repoDir, venvBin } from "./server";

const baseUrl = inject("baseUrl");
const modelsDir = inject("modelsDir");

interface Summary {
  id: string;
  pretrained: boolean;
  spec: { variant: string; dataset: string; corruption: string; corruption_level: number };
}

let browser: Browser;
let page: Page;
let model: Summary;
let trained = false;

async function listModels(): Promise<Summary[]> {
  return (await (await fetch(`${baseUrl}/api/models`)).json()) as Summary[];
}

const dB = (text: string | null) => Number(/(-?[\d.]+) dB/.exec(text ?? "")?.[1]);

describe("Denoising", () => {
  beforeAll(async () => {
    const find = (ms: Summary[]) => ms.find((m) => m.spec.variant === "denoising" && m.spec.dataset === "mnist");
    let found = find(await listModels());
    if (!found) {
      const t0 = Date.now();
      const args = ["train", "--variant", "denoising", "--filters", "8,16", "--latent-dim", "16", "--epochs", "1", "--batch-size", "32", "--learning-rate", "0.003", "--train-limit", "8192", "--models-dir", modelsDir];
      const r = spawnSync(resolve(venvBin, "aevp"), args, { cwd: repoDir, encoding: "utf8", timeout: 120_000 });
      expect(r.status, r.stderr || r.stdout).toBe(0);
      console.log(`trained a tiny denoising model in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      found = find(await listModels());
      trained = true;
    }
    expect(found, "a denoising MNIST model").toBeTruthy();
    model = found!;
    browser = await launch();
    page = await newPage(browser, baseUrl);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    // The next tests see the server's models as they were.
    if (trained) await fetch(`${baseUrl}/api/models/${model.id}`, { method: "DELETE" });
  });

  it("shows the clean input, the corrupted input and the reconstruction, with PSNR against the clean input", async () => {
    await page.goto("/");
    await page.getByTestId("reconstruction").waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("denoise").count(), "no denoising panel for a plain model").toBe(0);
    await page.getByTestId("model-select").selectOption(model.id);
    const trip = page.getByTestId("triptych");
    await trip.waitFor({ timeout: 60_000 });
    // The model's own training noise at first.
    expect(await page.getByTestId("corruption-kind").inputValue()).toBe(model.spec.corruption);
    expect(Number(await page.getByTestId("corruption-level").inputValue())).toBeCloseTo(model.spec.corruption_level, 5);

    const clean = page.getByTestId("denoise-clean");
    const noisy = page.getByTestId("denoise-corrupted");
    const recon = page.getByTestId("denoise-recon");
    await until("a corrupted input", async () => changedFraction(await canvasPixels(clean), await canvasPixels(noisy)) > 0.05, 60_000);
    for (const c of [clean, noisy, recon]) expect((await canvasStats(c)).opaque).toBe(1);
    expect((await canvasStats(recon)).darkness).toBeGreaterThan(0.02);
    // The clean one is the input preview itself; the metrics compare against it.
    expect(changedFraction(await canvasPixels(clean), await canvasPixels(page.getByTestId("input-preview")), 0)).toBe(0);
    const noisyDb = dB(await page.getByTestId("denoise-noisy-psnr").textContent());
    const reconText = await page.getByTestId("denoise-recon-metrics").textContent();
    expect(noisyDb).toBeGreaterThan(0);
    expect(dB(reconText)).toBeGreaterThan(5);
    expect(reconText).toMatch(/SSIM -?[\d.]+/);
    // The Output panel's PSNR is the same, measured against the clean input.
    expect(dB((await page.getByTestId("psnr").textContent()) + "")).toBeCloseTo(dB(reconText), 0);
    await page.getByTestId("input").screenshot({ path: `${import.meta.dirname}/screenshots/17-denoise.png` });
  });

  it("in Compare, both models get the same noisy image: the denoising model rebuilds it better than the plain one", async () => {
    const plain = (await listModels()).find((m) => m.pretrained && m.spec.variant === "plain" && m.spec.dataset === "mnist")!;
    await page.getByRole("tab", { name: "Compare" }).click();
    const view = page.getByTestId("compare-view");
    await view.getByTestId("compare-select-b").selectOption(plain.id);
    expect(await view.getByTestId("compare-select-a").inputValue()).toBe(model.id);
    expect(await page.getByTestId("compare-noise").textContent()).toMatch(/same gaussian noise|same mask noise/);
    const fresh = async (side: string) => (await view.getByTestId(`compare-${side}`).getAttribute("data-same-input")) === "true";
    await until("both models' answers", async () => (await fresh("a")) && (await fresh("b")) && (await view.getByTestId("compare-recon-b").count()) === 1, 30_000);
    await until("the plain model's answer to the noisy image", async () => {
      const a = dB(await view.getByTestId("compare-psnr-a").textContent());
      const b = dB(await view.getByTestId("compare-psnr-b").textContent());
      return a > b + 3;
    });
    expect(await view.getByTestId("compare-psnr-a").getAttribute("class")).toBe("better");
    await shot(page, "18-compare-denoise");

    // A plain model as the first one: no noise any more, for either model.
    await view.getByTestId("compare-select-a").selectOption(plain.id);
    await until("no noise in Compare", async () => (await page.getByTestId("compare-noise").count()) === 0);
    await until("both clean answers", async () => {
      const b = dB(await view.getByTestId("compare-psnr-b").textContent());
      return (await fresh("a")) && (await fresh("b")) && b > 15;
    });
    await view.getByTestId("compare-select-a").selectOption(model.id);
    await until("the noise back", async () => (await page.getByTestId("compare-noise").count()) === 1);
    await page.getByRole("tab", { name: "Explore" }).click();
    await page.getByTestId("triptych").waitFor();
  });

  it("the noise control changes what the encoder sees: stronger, masked, or none", async () => {
    const noisy = page.getByTestId("denoise-corrupted");
    const clean = page.getByTestId("denoise-clean");
    const before = await canvasPixels(noisy);
    const level = page.getByTestId("corruption-level");
    await level.focus();
    for (let i = 0; i < 20 && Number(await level.inputValue()) < 0.79; i++) await page.keyboard.press("ArrowRight");
    expect(Number(await level.inputValue())).toBeCloseTo(0.8, 5);
    await until("stronger noise", async () => changedFraction(before, await canvasPixels(noisy)) > 0.1);
    const strong = dB(await page.getByTestId("denoise-noisy-psnr").textContent());

    await page.getByTestId("corruption-kind").selectOption("mask");
    await until("a masked input", async () => {
      // Masking only removes ink: the corrupted image has no pixel darker than the clean one.
      const [a, b] = [await canvasPixels(clean), await canvasPixels(noisy)];
      let darker = 0;
      for (let i = 0; i < a.length; i += 4) if (b[i]! < a[i]! - 2) darker++;
      return darker === 0 && changedFraction(a, b) > 0.01;
    }, 30_000);
    expect(dB(await page.getByTestId("denoise-noisy-psnr").textContent())).not.toBe(strong);

    await page.getByTestId("corruption-kind").selectOption("none");
    await until("no noise", async () => (await page.getByTestId("denoise-noisy-psnr").textContent())!.includes("no noise"));
    expect(changedFraction(await canvasPixels(clean), await canvasPixels(noisy), 0)).toBe(0);
  });
});
