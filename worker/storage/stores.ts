import type { Redis } from "@upstash/redis/cloudflare";
import type { Env } from "../env.ts";
import { storeRedis } from "./store-client.ts";

/**
 * The three stores. Calendar and goals are separate two-phase-commit participants, each of which
 * may live on its own Redis (two Upstash databases in the cloud, two redis-servers in tests); by
 * default both share the main one, in separate key spaces. The main store holds teams, tokens and
 * the transaction coordinator's records and decisions.
 */
export type Participant = "calendar" | "goals";

function storeTimeoutMs(env: Env): number {
  return Number(env.STORE_TIMEOUT_MS) > 0 ? Number(env.STORE_TIMEOUT_MS) : 5000;
}

export function mainStore(env: Env): Redis {
  return storeRedis(env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN, storeTimeoutMs(env));
}

export function participantStore(env: Env, participant: Participant): Redis {
  if (participant === "calendar") {
    return storeRedis(env.CALENDAR_REDIS_REST_URL || env.UPSTASH_REDIS_REST_URL, env.CALENDAR_REDIS_REST_TOKEN || env.UPSTASH_REDIS_REST_TOKEN, storeTimeoutMs(env));
  }
  return storeRedis(env.GOALS_REDIS_REST_URL || env.UPSTASH_REDIS_REST_URL, env.GOALS_REDIS_REST_TOKEN || env.UPSTASH_REDIS_REST_TOKEN, storeTimeoutMs(env));
}

/** Each distinct store once, named, for /health. */
export function distinctStores(env: Env): Array<{ name: string; url: string | undefined; token: string | undefined }> {
  const all = [
    { name: "redis", url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN },
    { name: "calendar_redis", url: env.CALENDAR_REDIS_REST_URL, token: env.CALENDAR_REDIS_REST_TOKEN },
    { name: "goals_redis", url: env.GOALS_REDIS_REST_URL, token: env.GOALS_REDIS_REST_TOKEN },
  ];
  return all.filter((s, i) => i === 0 || (s.url && s.url !== env.UPSTASH_REDIS_REST_URL));
}
