import type { RunningGateway } from "../../dev/gateway-process.ts";

/**
 * Worker settings for two-phase-commit tests: calendar and the coordinator on the main store,
 * goals on a store of their own, so the participants can fail independently.
 */
export function twoStoreVars(main: RunningGateway, goals: RunningGateway, adminSecret: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GROUPSYNC_ENV: "test",
    ADMIN_SECRET: adminSecret,
    UPSTASH_REDIS_REST_URL: main.url,
    UPSTASH_REDIS_REST_TOKEN: main.token,
    GOALS_REDIS_REST_URL: goals.url,
    GOALS_REDIS_REST_TOKEN: goals.token,
    ...extra,
  };
}
