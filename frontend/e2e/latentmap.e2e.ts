// The latent map below the Explore row, in a real Chromium against a real server: 10,000 coloured
// points on a canvas, the user's input as a ring that moves with the input, hover and click.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, newPage, shot } from "./browser";
import { until } from "./pixels";

const baseUrl = inject("baseUrl");

let browser: Browser;
let page: Page;

async function ringAt(): Promise<[number, number]> {
  const ring = page.getByTestId("latent-map-ring");
  return [Number(await ring.getAttribute("data-x")), Number(await ring.getAttribute("data-y"))];
}

/** Pixels painted on the map's canvas and how many colours have a real share of them. */
async function paintStats(): Promise<{ inked: number; colours: number; total: number }> {
  return page.getByTestId("latent-map-canvas").evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const d = window.canvasRgba(c);
    const counts = new Map<number, number>();
    let inked = 0;
    for (let i = 0; i < d.length; i += 4) {
      const rgb = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
      if (rgb === 0xffffff) continue;
      inked++;
      counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
    }
    // Colours with a real share of the pixels (not stray anti-aliasing).
    const colours = [...counts.values()].filter((n) => n >= 50).length;
    return { inked, colours, total: d.length / 4 };
  });
}

async function stroke(from: [number, number], to: [number, number]) {
  const box = (await page.getByTestId("draw-canvas").boundingBox())!;
  const at = (f: [number, number]) => [box.x + box.width * f[0], box.y + box.height * f[1]] as const;
  await page.mouse.move(...at(from));
  await page.mouse.down();
  for (let k = 1; k <= 12; k++) {
    await page.mouse.move(...at([from[0] + ((to[0] - from[0]) * k) / 12, from[1] + ((to[1] - from[1]) * k) / 12]));
  }
  await page.mouse.up();
}

async function pickClass(label: string) {
  await page.getByTestId("class-select").selectOption(label);
  await until(`a test ${label}`, async () => (await page.getByTestId("input-source").getAttribute("data-label")) === label);
}

describe("Latent map", () => {
  beforeAll(async () => {
    browser = await launch();
    page = await newPage(browser, baseUrl);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("draws the test set's 10,000 points coloured by class, with a legend and PC axes", async () => {
    await page.goto("/");
    await page.getByTestId("reconstruction").waitFor({ timeout: 30_000 });
    const canvas = page.getByTestId("latent-map-canvas");
    await canvas.waitFor({ timeout: 30_000 });
    expect(await canvas.getAttribute("data-count")).toBe("10000");
    const stats = await paintStats();
    console.log(`latent map: ${stats.inked} of ${stats.total} pixels painted, ${stats.colours} class colours`);
    expect(stats.inked).toBeGreaterThan(5000);
    expect(stats.colours).toBeGreaterThanOrEqual(8);
    const legend = await page.getByTestId("latent-map-legend").locator("li").allTextContents();
    expect(legend.length).toBe(11); // ten classes and "your input"
    expect(legend).toContain("7");
    const panel = page.getByTestId("latent-map");
    expect(await panel.locator("h2").textContent()).toBe("Latent map (PCA)");
    expect(await panel.textContent()).toMatch(/PC1 \(\d+% of variance\)/);
    expect(await panel.textContent()).toMatch(/PC2 \(\d+% of variance\)/);
  });

  it("places the input as a ring that moves when the input changes", async () => {
    await pickClass("1");
    await until("the ring", async () => (await page.getByTestId("latent-map-ring").count()) === 1);
    await page.waitForTimeout(300);
    const a = await ringAt();
    await pickClass("0");
    const b = await until("the ring to move", async () => {
      const p = await ringAt();
      return Math.hypot(p[0] - a[0], p[1] - a[1]) > 10 ? p : null;
    });
    console.log(`ring moved from ${a} (a 1) to ${b} (a 0)`);
    for (const v of [...a, ...b]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(360);
    }
    // A drawn stroke moves it too.
    await page.getByRole("button", { name: "Clear" }).click();
    await until("no ring for an empty input", async () => (await page.getByTestId("latent-map-ring").count()) === 0);
    const box = (await page.getByTestId("draw-canvas").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
    await page.mouse.down();
    for (let k = 1; k <= 12; k++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.2 + (0.6 * k) / 12));
    await page.mouse.up();
    await until("the drawing's ring", async () => (await page.getByTestId("latent-map-ring").count()) === 1);
    await until("the stroke's result", async () => (await page.getByTestId("input-source").textContent()) === "your drawing");
    await page.waitForTimeout(300); // the newest answer (the whole stroke) lands
    const c = await ringAt();
    // A second stroke across the first (a "+") moves it again.
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
    await page.mouse.down();
    for (let k = 1; k <= 12; k++) await page.mouse.move(box.x + box.width * (0.2 + (0.6 * k) / 12), box.y + box.height * 0.5);
    await page.mouse.up();
    const d = await until("the ring to follow the drawing", async () => {
      const p = await ringAt();
      return Math.hypot(p[0] - c[0], p[1] - c[1]) > 5 ? p : null;
    });
    console.log(`drawing: ring at ${c} for "|", ${d} for "+"`);
    await page.getByTestId("latent-map").scrollIntoViewIfNeeded();
    await shot(page, "06-latent-map");
  });

  it("hovering names the nearest point; clicking it explores that test image", async () => {
    const wrap = page.getByTestId("latent-map-canvas");
    const box = (await wrap.boundingBox())!;
    // Hover near the densest spot: the mean of the points sits near the middle of the plot.
    let tip = "";
    for (const [fx, fy] of [
      [0.5, 0.5],
      [0.4, 0.5],
      [0.6, 0.5],
      [0.5, 0.4],
      [0.5, 0.6],
    ] as const) {
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
      await page.waitForTimeout(100);
      if ((await page.getByTestId("latent-map-tip").count()) === 1) {
        tip = (await page.getByTestId("latent-map-tip").textContent()) ?? "";
        break;
      }
    }
    const m = /“(.+)” · test #(\d+)/.exec(tip);
    expect(m, `tooltip "${tip}"`).not.toBeNull();
    const index = m![2]!;
    await shot(page, "07-latent-map-hover");
    await page.mouse.down();
    await page.mouse.up();
    await until(`test #${index} explored`, async () => ((await page.getByTestId("input-source").textContent()) ?? "").startsWith(`test #${index},`));
    expect(await page.getByTestId("input-source").getAttribute("data-label")).toBe(m![1]);
  });
});

describe("Latent map: t-SNE", () => {
  beforeAll(async () => {
    browser = await launch();
    page = await newPage(browser, baseUrl);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("computes t-SNE on the server with a progress bar, then paints it; the drawing's point follows each stroke", async () => {
    await page.goto("/");
    await page.getByTestId("latent-map-canvas").waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("latent-map-tab-latent").count()).toBe(0); // a 16-D model: no latent plane
    await page.getByTestId("latent-map-tab-tsne").click();
    expect(await page.getByTestId("latent-map").locator("h2").textContent()).toBe("Latent map (t-SNE)");
    expect(await page.getByTestId("latent-map-what").textContent()).toMatch(/neighbours/i);
    // The server computes the map once (a fresh maps folder): a progress bar fed by the WebSocket.
    const bar = page.getByTestId("latent-map-progress");
    await bar.waitFor({ timeout: 30_000 });
    const seen: string[] = [];
    let shotTaken = false;
    await until(
      "the t-SNE map",
      async () => {
        if ((await bar.count()) === 1) {
          const f = `${await bar.getAttribute("data-stage")} ${await bar.getAttribute("data-fraction")}`;
          if (seen.at(-1) !== f) seen.push(f);
          if (!shotTaken && Number(f.split(" ")[1]) > 0.2) {
            await page.getByTestId("latent-map").scrollIntoViewIfNeeded();
            await shot(page, "08-latent-map-tsne-progress");
            shotTaken = true;
          }
        }
        // (getAttribute would wait for the canvas to exist: count first)
        const canvas = page.getByTestId("latent-map-canvas");
        return (await canvas.count()) === 1 && (await canvas.getAttribute("data-method")) === "tsne";
      },
      150_000,
      200,
    );
    console.log(`t-SNE progress seen: ${seen.join(" | ")}`);
    const fractions = seen.map((s) => Number(s.split(" ")[1]));
    expect(fractions.length).toBeGreaterThanOrEqual(3);
    expect(fractions.at(-1)!).toBeGreaterThan(fractions[0]!);
    const stats = await paintStats();
    console.log(`t-SNE map: ${stats.inked} pixels painted, ${stats.colours} class colours`);
    expect(stats.inked).toBeGreaterThan(5000);
    expect(stats.colours).toBeGreaterThanOrEqual(8);
    expect(await page.getByTestId("latent-map").textContent()).toMatch(/t-SNE 1/);

    // The input (the first test image) is placed by the server as soon as the map is ready.
    await until("the ring on the t-SNE map", async () => (await page.getByTestId("latent-map-ring").count()) === 1);
    await page.getByRole("button", { name: "Clear" }).click();
    await until("no ring for an empty input", async () => (await page.getByTestId("latent-map-ring").count()) === 0);
    await stroke([0.5, 0.2], [0.5, 0.8]); // a "1"
    await until("the stroke's result", async () => (await page.getByTestId("input-source").textContent()) === "your drawing");
    await until("the drawing's ring", async () => (await page.getByTestId("latent-map-ring").count()) === 1);
    await page.waitForTimeout(400);
    const a = await ringAt();
    await stroke([0.2, 0.5], [0.8, 0.5]); // then a "+"
    const b = await until("the ring to follow the drawing", async () => {
      const p = await ringAt();
      return Math.hypot(p[0] - a[0], p[1] - a[1]) > 3 ? p : null;
    });
    console.log(`t-SNE: ring at ${a} for "|", ${b} for "+"`);

    // Hover: the nearest test image as a thumbnail, with its class.
    await page.getByTestId("latent-map-canvas").evaluate((el) => el.scrollIntoView({ block: "center" }));
    const box = (await page.getByTestId("latent-map-canvas").boundingBox())!;
    const thumb = await until(
      "a hover thumbnail",
      async () => {
        for (const [fx, fy] of [[0.5, 0.5], [0.3, 0.3], [0.7, 0.7], [0.3, 0.7], [0.7, 0.3], [0.5, 0.2], [0.5, 0.8]] as const) {
          await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
          await page.waitForTimeout(250);
          if ((await page.getByTestId("latent-map-thumb").count()) === 1) return page.getByTestId("latent-map-thumb");
        }
        return null;
      },
      20_000,
    );
    const inked = await thumb.evaluate((el) => {
      const c = el as HTMLCanvasElement;
      const d = window.canvasRgba(c);
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] !== d[4 * 0] || d[i + 1] !== d[1]) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(20); // a digit, not a blank square
    expect(await page.getByTestId("latent-map-tip").textContent()).toMatch(/“.+” · test #\d+/);
    await shot(page, "09-latent-map-tsne");
    // Back to PCA: the browser places the input again.
    await page.getByTestId("latent-map-tab-pca").click();
    await until("the PCA map", async () => (await page.getByTestId("latent-map-canvas").getAttribute("data-method")) === "pca");
  });
});

describe("Latent map: the plane of a 2-D model", () => {
  beforeAll(async () => {
    browser = await launch();
    page = await newPage(browser, baseUrl);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows the codes themselves with the decoded grid under them, and the grid can be hidden", async () => {
    const models = (await (await fetch(`${baseUrl}/api/models`)).json()) as { id: string; spec: { latent_dim: number } }[];
    const plane = models.find((m) => m.spec.latent_dim === 2);
    expect(plane, "a 2-D model on the server (the shipped vae-32-64-l2-mnist)").toBeTruthy();
    await page.goto("/");
    await page.getByTestId("latent-map-canvas").waitFor({ timeout: 60_000 });
    await page.getByTestId("model-select").selectOption(plane!.id);
    await page.getByTestId("latent-map-tab-latent").click();
    const canvas = page.getByTestId("latent-map-canvas");
    await until("the latent plane", async () => (await canvas.count()) === 1 && (await canvas.getAttribute("data-method")) === "latent", 60_000);
    expect(await page.getByTestId("latent-map").textContent()).toMatch(/z0/);
    await until("the decoded grid", async () => Number(await canvas.getAttribute("data-grid-tiles")) > 0, 30_000);
    const tiles = Number(await canvas.getAttribute("data-grid-tiles"));
    // Grey ink of the decoded digits shows between the coloured points: pixels with r = g = b, not white.
    const grey = () =>
      canvas.evaluate((el) => {
        const c = el as HTMLCanvasElement;
        const d = window.canvasRgba(c);
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] === d[i + 1] && d[i] === d[i + 2] && d[i]! < 200) n++;
        return n;
      });
    const withGrid = await grey();
    console.log(`latent plane: ${tiles} decoded tiles, ${withGrid} grey ink pixels`);
    expect(tiles).toBeGreaterThanOrEqual(100); // 12 x 12, less any wholly off the canvas
    expect(withGrid).toBeGreaterThan(2000);
    await page.getByTestId("latent-map").scrollIntoViewIfNeeded();
    await shot(page, "10-latent-plane-grid");
    await page.getByTestId("latent-plane-grid-toggle").uncheck();
    await until("the grid gone", async () => (await canvas.getAttribute("data-grid-tiles")) === "0");
    expect(await grey()).toBeLessThan(withGrid / 10);
  });
});
