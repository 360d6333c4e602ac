// What can be checked of the compose setup without a Docker engine: the compose file parses, and
// the very nginx.conf the web image uses, run by Debian's nginx in front of the real server,
// serves the lab and carries its API calls and WebSockets.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { launch, newPage, shot } from "./browser";
import { canvasStats, countWsMessages, until } from "./pixels";
import { distDir, freePort, repoDir, which } from "./server";

const baseUrl = inject("baseUrl");
const compose = which("docker-compose");
const nginx = which("nginx") ?? ["/usr/sbin/nginx"].find((p) => spawnSync(p, ["-v"]).status === 0) ?? null;
// `make setup` installs both (scripts/install-test-tools.sh); under CI a missing tool fails rather than skips.
const inCI = process.env.CI === "true";

describe.runIf(inCI)("the compose checks' tools", () => {
  it("docker-compose and nginx are installed (make setup installs them)", () => {
    expect(compose, "docker-compose is missing").not.toBeNull();
    expect(nginx, "nginx is missing").not.toBeNull();
  });
});

/** The image's template with its three variables filled, as the nginx image's envsubst does. */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{(AEVP_[A-Z_]+)\}/g, (m, name: string) => vars[name] ?? m);
}

describe("docker-compose.yml", () => {
  it.skipIf(!compose)(`parses (docker-compose config -q)${compose ? "" : " — skipped: no docker-compose"}`, () => {
    const r = spawnSync(compose!, ["config", "-q"], { cwd: repoDir, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it.skipIf(!compose)("defines api (healthcheck, named volumes) and web (port 8080)", () => {
    const r = spawnSync(compose!, ["config"], { cwd: repoDir, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/api\/health/);
    expect(r.stdout).toMatch(/aevp-data/);
    expect(r.stdout).toMatch(/aevp-models/);
    expect(r.stdout).toMatch(/8080/);
  });
});

describe.skipIf(!nginx)(`nginx with docker/nginx.conf in front of the real server${nginx ? "" : " (skipped: no nginx)"}`, () => {
  let prefix = "";
  let proc: ChildProcess | null = null;
  let url = "";
  let browser: Browser | null = null;
  let log = "";

  beforeAll(async () => {
    prefix = mkdtempSync(join(tmpdir(), "aevp-nginx-"));
    for (const d of ["logs", "tmp"]) mkdirSync(join(prefix, d));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const upstream = new URL(baseUrl).host;
    const site = renderTemplate(readFileSync(resolve(repoDir, "docker", "nginx.conf"), "utf8"), {
      AEVP_API_UPSTREAM: upstream,
      AEVP_WEB_PORT: `127.0.0.1:${port}`,
      AEVP_WEB_ROOT: distDir,
    });
    writeFileSync(join(prefix, "site.conf"), site);
    // The wrapper the nginx image provides around conf.d, with every path inside the prefix so it
    // runs without root; as root, workers stay root so they can read the build wherever it lies.
    const asRoot = process.getuid?.() === 0;
    writeFileSync(
      join(prefix, "nginx.conf"),
      [
        asRoot ? "user root;" : "",
        "worker_processes 1;",
        "daemon off;",
        `pid ${join(prefix, "nginx.pid")};`,
        `error_log ${join(prefix, "logs", "error.log")} warn;`,
        "events { worker_connections 256; }",
        "http {",
        "  include /etc/nginx/mime.types;",
        "  default_type application/octet-stream;",
        `  access_log ${join(prefix, "logs", "access.log")};`,
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((k) => `  ${k}_temp_path ${join(prefix, "tmp", k)};`),
        `  include ${join(prefix, "site.conf")};`,
        "}",
      ].join("\n"),
    );
    const test = spawnSync(nginx!, ["-t", "-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "logs", "error.log")], { encoding: "utf8" });
    expect(test.status, test.stderr).toBe(0);
    proc = spawn(nginx!, ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "logs", "error.log")], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    await until("nginx to listen", async () => (await fetch(`${url}/api/health`)).ok, 15_000);
  });

  afterAll(async () => {
    await browser?.close();
    if (proc && proc.exitCode === null) {
      const gone = new Promise((ok) => proc!.once("exit", ok));
      proc.kill("SIGQUIT");
      await gone;
    }
    if (prefix) rmSync(prefix, { recursive: true, force: true });
    if (log.trim()) console.log(`nginx said: ${log}`);
  });

  it("serves the built page and the API, and falls back to index.html for client routes", async () => {
    const index = await fetch(`${url}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<div id="root">');
    expect((await fetch(`${url}/some/client/route`)).status).toBe(200);
    const health = (await (await fetch(`${url}/api/health`)).json()) as { status: string };
    expect(health.status).toBe("ready");
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
  });

  it("drives the lab through nginx: page, REST and a WebSocket upgrade", async () => {
    browser = await launch();
    const page = await newPage(browser, url);
    const ws = countWsMessages(page);
    await page.goto("/");
    await page.getByTestId("reconstruction").waitFor({ timeout: 30_000 });
    await until("an explore result over the proxied WebSocket", async () => (ws.explore_result ?? 0) > 0);
    expect((await canvasStats(page.getByTestId("reconstruction"))).darkness).toBeGreaterThan(0.03);
    await shot(page, "11-through-nginx");
  });
});
