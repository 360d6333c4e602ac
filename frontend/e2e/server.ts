// Starting and stopping a real AeVP server for the browser tests.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";

export const frontendDir = resolve(import.meta.dirname, "..");
export const repoDir = resolve(frontendDir, "..");
export const backendDir = resolve(repoDir, "backend");
export const venvBin = resolve(backendDir, ".venv", "bin");
export const distDir = resolve(frontendDir, "dist");

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? ok(addr.port) : fail(new Error("no port"))));
    });
  });
}

export interface Server {
  url: string;
  port: number;
  proc: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

/** The command that serves the API and the built frontend: `aevp serve` (what `make run` runs). */
function serveCommand(port: number): [string, string[]] {
  const aevp = resolve(venvBin, "aevp");
  if (!existsSync(aevp)) throw new Error(`no backend at ${aevp}: run \`make setup\` first`);
  return [aevp, ["serve", "--host", "127.0.0.1", "--port", String(port)]];
}

export async function startServer(env: Record<string, string>, readyTimeoutMs = 240_000): Promise<Server> {
  const port = await freePort();
  const [cmd, args] = serveCommand(port);
  let output = "";
  const proc = spawn(cmd, args, {
    cwd: repoDir,
    env: { ...process.env, AEVP_FRONTEND_DIR: distDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so stop() ends uvicorn and anything it started
  });
  proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode !== null || proc.pid === undefined) return;
    const gone = new Promise<void>((ok) => proc.once("exit", () => ok()));
    try {
      process.kill(-proc.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-proc.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, 10_000);
    await gone;
    clearTimeout(timer);
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}):\n${output.slice(-3000)}`);
    try {
      const r = await fetch(`${url}/api/health`);
      if (r.ok && ((await r.json()) as { status: string }).status === "ready") {
        return { url, port, proc, log: () => output, stop };
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the server was not ready within ${readyTimeoutMs / 1000} s:\n${output.slice(-3000)}`);
}

export function which(cmd: string): string | null {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Sets a process group's CPU priority (nice 19: below everything else; 0: back to normal), and its session's
 * autogroup's where the kernel groups sessions, since nice alone then ranks only a session's own threads. A
 * bench runs the server beside the browser it measures as if on another machine with it. False where the
 * priority could not be set (raising it back needs the right to).
 */
export function cpuPriority(pgid: number, nice: 0 | 19): boolean {
  if (spawnSync("renice", ["-n", String(nice), "-g", String(pgid)], { stdio: "ignore" }).status !== 0) return false;
  const autogroup = `/proc/${pgid}/autogroup`;
  try {
    if (existsSync(autogroup)) writeFileSync(autogroup, String(nice));
    return true;
  } catch {
    return false;
  }
}
