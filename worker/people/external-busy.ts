import type { Redis } from "@upstash/redis/cloudflare";
import type { Interval } from "./intervals.ts";
import { peopleKeys } from "./keys.ts";

/** The busy intervals of a member's external calendars overlapping [from, to), as last fetched. */
export async function externalBusyIn(redis: Redis, team: string, member: string, from: number, to: number): Promise<Interval[]> {
  const keys = peopleKeys(team);
  const ids = await redis.hkeys(keys.subscriptions(member));
  if (ids.length === 0) return [];
  const raws = await redis.mget<(string | null)[]>(...ids.map((id) => keys.externalBusy(member, id)));
  const busy: Interval[] = [];
  for (const raw of raws) {
    if (raw === null) continue;
    const pairs = (typeof raw === "string" ? JSON.parse(raw) : raw) as Array<[number, number]>;
    for (const [start, end] of pairs) if (start < to && end > from) busy.push({ start, end });
  }
  return busy;
}
