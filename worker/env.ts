/**
 * The worker's bindings. Secrets come from `wrangler secret put` in the cloud and from
 * `npm run dev` (as --var) locally; every one is documented in the README.
 */
export interface Env {
  /**
   * The realtime hub, one Durable Object per team (wrangler.toml). Typed loosely here so this file
   * stays free of workerd's globals (Node-side tests compile it too); worker/live/hub.ts narrows it.
   */
  TEAM_HUB?: unknown;
  /** "development" under `npm run dev`, "production" otherwise (wrangler.toml). */
  GROUPSYNC_ENV?: string;
  /** Upstash REST endpoint: real Upstash in the cloud, the local gateway in development. */
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** The calendar participant's own Redis (defaults to the main one). */
  CALENDAR_REDIS_REST_URL?: string;
  CALENDAR_REDIS_REST_TOKEN?: string;
  /** The goals participant's own Redis (defaults to the main one). */
  GOALS_REDIS_REST_URL?: string;
  GOALS_REDIS_REST_TOKEN?: string;
  /** An open transaction idle this long is aborted (a duration: "60s", "2m"; default 60s). */
  TX_IDLE_TIMEOUT?: string;
  /** Fault tests only, ignored in production: pause between recording a commit and applying it. */
  GROUPSYNC_TEST_PAUSE_AFTER_DECISION_MS?: string;
  /** How long any store call may take before it counts as an outage, in ms (default 5000). */
  STORE_TIMEOUT_MS?: string;
  /** How long /health waits for each dependency, in ms (default 2000). */
  HEALTH_TIMEOUT_MS?: string;
  /** Guards /admin (creating teams and members' tokens). Required in production. */
  ADMIN_SECRET?: string;
  /**
   * Development only: requests without a token act as member "anonymous" of this team, so the
   * original README's curl examples work. `npm run dev` sets it to "local". Refused in production.
   */
  GROUPSYNC_OPEN_TEAM?: string;
}

/** Who is calling: set by the access middleware for every team route. */
export interface Member {
  team: string;
  member: string;
}

export type AppEnv = { Bindings: Env; Variables: { member: Member } };

export function isProduction(env: Env): boolean {
  return (env.GROUPSYNC_ENV ?? "production") === "production";
}
