import type { RunningGateway } from "../../dev/gateway-process.ts";
import { freePort } from "../../dev/ports.ts";
import { startWranglerDev, type RunningWorker } from "../../dev/wrangler-dev.ts";
import { RATE_LIMITS_OFF } from "./limits.ts";
import { startTestGateway, startTestRedis, tempDir, track, type TestRedis } from "./processes.ts";

/** Calendar and the coordinator on the main store, goals on a store of their own, each behind its own gateway. */
export interface TwoStores {
  mainRedis: TestRedis;
  goalsRedis: TestRedis;
  mainGateway: RunningGateway;
  goalsGateway: RunningGateway;
}

/**
 * Two redis-servers and their gateways, so the participants can fail independently.
 * `goalsCommandTimeoutMs` bounds how long the goals gateway waits on a frozen Redis.
 */
export async function startTwoStores(options: { goalsCommandTimeoutMs?: number } = {}): Promise<TwoStores> {
  const mainRedis = await startTestRedis();
  const goalsRedis = await startTestRedis();
  const mainGateway = await startTestGateway(mainRedis.url);
  const goalsEnv = options.goalsCommandTimeoutMs === undefined ? undefined : { GATEWAY_COMMAND_TIMEOUT_MS: String(options.goalsCommandTimeoutMs) };
  const goalsGateway = await startTestGateway(goalsRedis.url, { env: goalsEnv });
  return { mainRedis, goalsRedis, mainGateway, goalsGateway };
}

/**
 * The real worker under `wrangler dev` on two stores, with /__scheduled for the recovery sweep.
 * Pass the same `port` and `persistDir` to restart it where it was.
 */
export async function startTwoStoreWorker(
  stores: TwoStores,
  adminSecret: string,
  extra: Record<string, string> = {},
  placement: { port?: number; persistDir?: string } = {},
): Promise<RunningWorker> {
  return track(
    await startWranglerDev({
      port: placement.port ?? (await freePort()),
      persistDir: placement.persistDir ?? tempDir("groupsync-wrangler-"),
      testScheduled: true,
      vars: twoStoreVars(stores.mainGateway, stores.goalsGateway, adminSecret, extra),
    }),
  );
}

/**
 * Worker settings for two-phase-commit tests: calendar and the coordinator on the main store,
 * goals on a store of their own, so the participants can fail independently.
 */
function twoStoreVars(main: RunningGateway, goals: RunningGateway, adminSecret: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GROUPSYNC_ENV: "test",
    ADMIN_SECRET: adminSecret,
    UPSTASH_REDIS_REST_URL: main.url,
    UPSTASH_REDIS_REST_TOKEN: main.token,
    GOALS_REDIS_REST_URL: goals.url,
    GOALS_REDIS_REST_TOKEN: goals.token,
    ...RATE_LIMITS_OFF,
    ...extra,
  };
}
