// Fails when src/api/generated/* no longer matches what the backend's schemas generate.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module without type declarations
import { stale, unavailable } from "./gen-api.mjs";

const why: string | null = unavailable();

describe("generated API types", () => {
  it.skipIf(why !== null)(`match the backend's OpenAPI and WebSocket schemas${why ? ` (skipped: ${why})` : ""}`, async () => {
    const bad: string[] = await stale();
    expect(bad, "stale generated files: run `npm run gen:api` and commit them").toEqual([]);
  }, 60_000);
});
