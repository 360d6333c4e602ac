// Nothing the first page needs waits behind background work: on a freshly started server, the first
// explore is painted within 3 s of /api/health saying ready (issue 12). A server of its own, so that
// "ready" is the moment the warm-up of the other models begins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launch } from "./browser";
import { firstPaintAfterReady } from "./bench/firstpaint";

let browser: Browser;

describe("First page", () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("paints the first explore within 3 s of /api/health saying ready", async () => {
    const { ms, readyS, modelId } = await firstPaintAfterReady(browser);
    console.log(`first explore (${modelId}) painted ${ms.toFixed(0)} ms after /api/health said ready (server ready in ${readyS.toFixed(1)} s)`);
    expect(modelId).toBe("ae-32-64-l16-mnist");
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(3000);
  });
});
