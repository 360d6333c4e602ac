// `npm run bench`: browser figures, printed, not asserted (a real server, a real Chromium).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/bench/**/*.bench-e2e.ts"],
    environment: "node",
    globalSetup: ["e2e/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 240_000,
    reporters: ["verbose"],
  },
});
