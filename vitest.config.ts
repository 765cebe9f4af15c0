import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { freePort } from "./dev/ports.ts";
import { RATE_LIMITS_OFF } from "./test/helpers/limits.ts";
import { randomToken } from "./test/helpers/processes.ts";

// Worker tests run inside workerd and reach a real gateway + redis-server started by globalSetup.
// Bindings are fixed when the config loads, so the port and token are chosen here.
process.env.GROUPSYNC_TEST_GATEWAY_PORT ??= String(await freePort());
process.env.GROUPSYNC_TEST_GATEWAY_TOKEN ??= randomToken();

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                GROUPSYNC_ENV: "test",
                UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${process.env.GROUPSYNC_TEST_GATEWAY_PORT}`,
                UPSTASH_REDIS_REST_TOKEN: process.env.GROUPSYNC_TEST_GATEWAY_TOKEN,
                ADMIN_SECRET: "test-admin-secret-0123456789",
                // Every test file shares one client address here and sends far more than a client would;
                // test/worker/rate-limits.test.ts sets small limits of its own.
                ...RATE_LIMITS_OFF,
              },
            },
          }),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["test/helpers/worker-setup.ts"],
          // One workerd for all files instead of one started per file (~2.7 s each, 28 files): every
          // test makes its own team, and settings that differ are passed per call, not kept.
          isolate: false,
          // A pool that does not isolate cannot share a group with projects that set their own
          // maxWorkers (vitest refuses to start): the worker files run after the others.
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 90_000,
          // Real processes and ports: keep files in parallel but bounded on a 2-core machine.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          // Headless Chromium, wrangler dev and agent processes: generous, and one file at a time.
          testTimeout: 90_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
