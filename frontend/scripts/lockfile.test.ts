// The committed lock file names packages and integrity hashes only: no registry host, so that
// `npm ci` uses whatever registry the machine is configured with (.npmrc:
// omit-lockfile-registry-resolved=true).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const lock = readFileSync(resolve(import.meta.dirname, "..", "package-lock.json"), "utf8");

describe("package-lock.json", () => {
  it("has no resolved URLs or registry hosts", () => {
    expect(lock).not.toMatch(/"resolved"\s*:/);
    // A tarball address has the form //HOST/NAME/-/NAME-VERSION.tgz.
    expect(lock).not.toMatch(/\/\/[^"]*\/-\/|\.tgz"/);
  });

  it("pins every package by integrity hash", () => {
    const packages = (JSON.parse(lock) as { packages: Record<string, { integrity?: string; link?: boolean }> }).packages;
    const missing = Object.entries(packages).filter(([path, p]) => path !== "" && !p.link && !p.integrity);
    expect(missing.map(([path]) => path)).toEqual([]);
  });
});
