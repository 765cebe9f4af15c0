/**
 * The worker's bindings. Secrets come from `wrangler secret put` in the cloud and from
 * `npm run dev` (as --var) locally; every one is documented in the README.
 */
export interface Env {
  /** "development" under `npm run dev`, "production" otherwise (wrangler.toml). */
  GROUPSYNC_ENV?: string;
  /** Upstash REST endpoint: real Upstash in the cloud, the local gateway in development. */
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** How long /health waits for each dependency, in ms (default 2000). */
  HEALTH_TIMEOUT_MS?: string;
}

export type AppEnv = { Bindings: Env };
