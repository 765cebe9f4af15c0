import type { Redis } from "@upstash/redis/cloudflare";
import { configOf, type Env, type StoreAddress } from "../env.ts";
import { storeRedis } from "./store-client.ts";

/**
 * The three stores. Calendar and goals are separate two-phase-commit participants, each of which
 * may live on its own Redis (two Upstash databases in the cloud, two redis-servers in tests); by
 * default both share the main one, in separate key spaces. The main store holds teams, tokens and
 * the transaction coordinator's records and decisions.
 */
export type Participant = "calendar" | "goals";

export function mainStore(env: Env): Redis {
  const config = configOf(env);
  return storeRedis(config.stores.main.url, config.stores.main.token, config.storeTimeoutMs);
}

export function participantStore(env: Env, participant: Participant): Redis {
  const config = configOf(env);
  const { url, token } = config.stores[participant];
  return storeRedis(url, token, config.storeTimeoutMs);
}

/** Each distinct store once, named, for /health. */
export function distinctStores(env: Env): Array<{ name: string } & StoreAddress> {
  const { stores, separateStores } = configOf(env);
  return [
    { name: "redis", ...stores.main },
    ...(separateStores.calendar ? [{ name: "calendar_redis", ...stores.calendar }] : []),
    ...(separateStores.goals ? [{ name: "goals_redis", ...stores.goals }] : []),
  ];
}
