// Browser tests: a real backend (started once by the global setup) and a real Chromium.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    environment: "node",
    globalSetup: ["e2e/global-setup.ts"],
    fileParallelism: false, // two cores: one browser and one server at a time
    testTimeout: 180_000,
    hookTimeout: 240_000,
    reporters: ["verbose"],
  },
});
