import type { Redis } from "@upstash/redis/cloudflare";

/** Every key matching `match`, a SCAN page at a time (the gateway refuses KEYS, which walks everything at once). */
export async function forEachKeyPage(redis: Redis, match: string, visit: (keys: string[]) => Promise<void>): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, { match, count: 1000 });
    cursor = String(next);
    if (keys.length > 0) await visit(keys);
  } while (cursor !== "0");
}

/** The keys under a team's hash tag: all of its data (events, goals, transactions, feed...). */
export const teamDataMatch = (team: string) => `gs:{${team}}:*`;
