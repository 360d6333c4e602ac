// A real Chromium through playwright-core: Debian's /usr/bin/chromium where it exists, else the
// one `npx playwright-core install chromium` downloads (see scripts/install-chromium.sh).
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { installCanvasReader } from "./pixels";

export const screenshotsDir = resolve(import.meta.dirname, "screenshots");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

export async function launch(): Promise<Browser> {
  // Without a system Chromium, playwright-core falls back to its own downloaded build.
  return chromium.launch({ executablePath: chromiumPath(), args: ARGS, headless: true });
}

export async function newPage(browser: Browser, baseUrl: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: baseUrl });
  await context.addInitScript(installCanvasReader);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`console: ${m.text()}`);
  });
  return page;
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotsDir, { recursive: true });
  const path = resolve(screenshotsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
