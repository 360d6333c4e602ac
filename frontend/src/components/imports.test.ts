// Components render and report what the user did; only sessions (src/state/sessions) call the API and
// write the store. This test reads every component's imports and fails on one that reaches past that.
import { describe, expect, it } from "vitest";

/** Every component's source, keyed by its path from this folder. */
const sources: Record<string, string> = import.meta.glob(["./*.tsx", "../App.tsx"], { query: "?raw", import: "default", eager: true });

/** Every `import … from "x"` of a file: the names imported and the module. */
function imports(source: string): { names: string; from: string }[] {
  return [...source.matchAll(/import\s+(?:type\s+)?([^"';]*?)\s*from\s*["']([^"']+)["']/g)].map((m) => ({ names: m[1]!, from: m[2]! }));
}

describe("component imports", () => {
  it("finds the components", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    expect(imports('import { a, b } from "../x";\nimport type { C } from "./y";')).toEqual([
      { names: "{ a, b }", from: "../x" },
      { names: "{ C }", from: "./y" },
    ]);
  });

  it.each(Object.entries(sources))("%s calls no API client, socket or store writer", (rel, source) => {
    for (const { names, from } of imports(source)) {
      expect(from, `${rel} imports ${from}`).not.toMatch(/\/api\/(client|sockets|latentMapSocket)$/);
      expect(from, `${rel} imports ${from}`).not.toMatch(/\/state\/(sessions\/|lab$)/);
      if (/\/state\/slices\//.test(from)) expect(names, `${rel} imports a slice's writer from ${from}`).not.toMatch(/\w+Store\b/);
    }
    expect(source, `${rel} reaches into a store`).not.toMatch(/\.(getState|setState)\(/);
  });
});
