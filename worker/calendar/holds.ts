import type { Redis } from "@upstash/redis/cloudflare";
import type { Hold } from "../../shared/calendar.ts";
import { formatInstant } from "../../shared/instant.ts";
import { isAfter, type Cursor } from "../storage/cursor.ts";
import { calendarKeys } from "./keys.ts";

/** A hold record as the calendar participant stores it (participant.ts): only what a listing reads. */
interface StoredHold {
  kind: "create" | "update" | "delete";
  calendar: string;
  entries?: Array<{ start: number; end: number }>;
  // A hold of the version before `entries` has one interval.
  start_ms?: number;
  end_ms?: number;
}

/**
 * The slots a team's open transactions hold, read through their leases (leases -> tx-holds ->
 * hold records), so every calendar is covered without scanning events. A lease that has ended is
 * left out: the first booking that meets its hold resolves the transaction (see recovery.ts).
 * A delete holds nothing new (the event keeps its time until the commit), so it lists nothing.
 * Each entry is one hold: one per occurrence of a series. On one calendar no two entries overlap,
 * so (start, calendar) names a hold uniquely: the sort order and the cursor, which thus carries
 * no transaction id.
 */
export async function listHolds(
  redis: Redis,
  team: string,
  options: { from: number; to: number; calendar?: string; limit: number; cursor?: Cursor; now: number },
): Promise<{ holds: Hold[]; next: Cursor | null }> {
  const keys = calendarKeys(team);
  const leases = (await redis.zrange(keys.leases, `(${options.now}`, "+inf", { byScore: true, withScores: true })) as string[];
  const leaseEnds = new Map<string, number>();
  for (let i = 0; i < leases.length; i += 2) leaseEnds.set(leases[i]!, Number(leases[i + 1]));
  if (leaseEnds.size === 0) return { holds: [], next: null };

  const txs = [...leaseEnds.keys()];
  const pipeline = redis.pipeline();
  for (const tx of txs) pipeline.smembers(keys.txHolds(tx));
  const holdKeys = ((await pipeline.exec()) as string[][]).map((members, i) => members.map((key) => ({ key, tx: txs[i]! }))).flat();
  if (holdKeys.length === 0) return { holds: [], next: null };
  const raws = await redis.mget<(string | null)[]>(...holdKeys.map((h) => h.key));

  const found: Array<{ start: number; end: number; calendar: string; leaseEnd: number }> = [];
  raws.forEach((raw, i) => {
    if (raw === null) return; // applied or released since the set was read
    const hold = (typeof raw === "string" ? JSON.parse(raw) : raw) as StoredHold;
    if (hold.kind === "delete" || (options.calendar !== undefined && hold.calendar !== options.calendar)) return;
    const entries = hold.entries ?? (hold.start_ms === undefined || hold.end_ms === undefined ? [] : [{ start: hold.start_ms, end: hold.end_ms }]);
    for (const { start, end } of entries) {
      if (end <= options.from || start >= options.to || !isAfter(start, hold.calendar, options.cursor)) continue;
      found.push({ start, end, calendar: hold.calendar, leaseEnd: leaseEnds.get(holdKeys[i]!.tx)! });
    }
  });
  found.sort((a, b) => a.start - b.start || (a.calendar < b.calendar ? -1 : a.calendar > b.calendar ? 1 : 0));
  const page = found.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    holds: page.map((h) => ({ calendar: h.calendar, starts_at: formatInstant(h.start), ends_at: formatInstant(h.end), tx_expires_at: formatInstant(h.leaseEnd) })),
    next: found.length > options.limit && last !== undefined ? { score: last.start, id: last.calendar } : null,
  };
}
