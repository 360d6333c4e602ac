// Fails when src/api/generated/* no longer matches what the backend's schemas generate.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module without type declarations
import { literal, specModule, stale, unavailable } from "./gen-api.mjs";

const why: string | null = unavailable();
// In CI a missing backend must not pass as a skipped test: the check is the point of the job.
const inCi = ["1", "true"].includes((process.env.CI ?? "").toLowerCase());

describe("generated API types", () => {
  if (why === null || inCi) {
    it("match the backend's OpenAPI and WebSocket schemas", async () => {
      expect(why, "CI=true: the contract check must run").toBeNull();
      const bad: string[] = await stale();
      expect(bad, "stale generated files: run `npm run gen:api` and commit them").toEqual([]);
    }, 60_000);
  } else {
    it.skip(`match the backend's OpenAPI and WebSocket schemas (skipped: ${why})`, () => {});
  }
});

describe("spec.ts generation", () => {
  const openapi = {
    components: {
      schemas: {
        ModelSpec: {
          properties: {
            dataset: { type: "string", enum: ["mnist", "fashion-mnist"], default: "mnist", description: "which data" },
            blocks: { type: "array", minItems: 1, maxItems: 4 },
            rate: { type: "number", exclusiveMinimum: 0, maximum: 1, default: 0.5 },
          },
        },
        ConvBlock: {
          properties: {
            filters: { type: "integer", minimum: 1, maximum: 128, default: 32 },
            kernel: { type: "integer", enum: [3, 5], default: 3 },
          },
        },
      },
    },
  };
  const meta = { image_side: 5, defaults: { dataset: "ignored", blocks: [{ filters: 8, kernel: 3 }], rate: 0.5 } };

  it("reads bounds, options and descriptions from the schemas, and factory defaults from the backend", () => {
    const text: string = specModule(openapi, meta);
    expect(text).toContain("export const IMAGE_SIDE = 5;");
    expect(text).toContain("export const IMAGE_PIXELS = 25;");
    expect(text).toContain('dataset: "mnist"'); // the schema's default wins
    expect(text).toContain("blocks: [{ filters: 8, kernel: 3 }]");
    expect(text).toContain("rate: { min: 0, max: 1, exclusiveMin: true, integer: false }");
    expect(text).toContain("filters: { min: 1, max: 128, exclusiveMin: false, integer: true }");
    expect(text).toContain("blocks: { minItems: 1, maxItems: 4 }");
    expect(text).toContain("kernel: [3, 5]");
    expect(text).toContain('dataset: "which data"');
  });

  it("refuses a field without a default or a number without bounds", () => {
    const noDefault = structuredClone(openapi);
    noDefault.components.schemas.ConvBlock.properties.filters = { type: "integer", minimum: 1, maximum: 2 } as never;
    expect(() => specModule(noDefault, meta)).toThrow(/ConvBlock.filters has no default/);
    const unbounded = structuredClone(openapi);
    unbounded.components.schemas.ModelSpec.properties.rate = { type: "number", default: 0.5 } as never;
    expect(() => specModule(unbounded, meta)).toThrow(/ModelSpec.rate needs a minimum/);
  });

  it("writes literals on one line when they fit", () => {
    expect(literal({ a: 1, "b-c": ["x"] })).toBe('{ a: 1, "b-c": ["x"] }');
    expect(literal({ long: "y".repeat(100) })).toBe(`{\n  long: "${"y".repeat(100)}",\n}`);
  });
});
