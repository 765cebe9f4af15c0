import type { Redis } from "@upstash/redis/cloudflare";
import { base64url } from "../../shared/base64url.ts";
import { agentKeyKey } from "./keys.ts";
import { agentKeyScript } from "./scripts.ts";

/**
 * The key a team's agents sign their hub messages with (shared/agent-proof.ts): random 32 bytes,
 * base64url, made the first time a member asks for it, or the one the team gave with PUT.
 */
export async function teamAgentKey(redis: Redis, team: string): Promise<string> {
  const fresh = base64url(crypto.getRandomValues(new Uint8Array(32)));
  return String(await agentKeyScript.run(redis, [agentKeyKey(team)], [fresh]));
}

/** The key the hub checks agents under; null while the team has none (nobody asked for one or gave one yet). */
export async function storedTeamAgentKey(redis: Redis, team: string): Promise<string | null> {
  return redis.get<string>(agentKeyKey(team));
}

/**
 * Sets the team's agent key; with `onlyIfNone`, only when it has none yet (an agent offering the
 * key it runs with). Answers whether it was set.
 */
export async function setTeamAgentKey(redis: Redis, team: string, key: string, options: { onlyIfNone?: boolean } = {}): Promise<boolean> {
  const reply = await redis.set(agentKeyKey(team), key, options.onlyIfNone ? { nx: true } : undefined);
  return reply === "OK";
}
