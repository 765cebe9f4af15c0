import type { Redis } from "@upstash/redis/cloudflare";
import type { FocusRound } from "../../shared/focus.ts";
import { isAfter, type Cursor } from "../storage/cursor.ts";
import { focusKeys } from "./focus-store.ts";

export interface RoundFilter {
  /** Ended at or after (epoch ms). */
  readonly from: number;
  /** Ended before (epoch ms). */
  readonly to: number;
  readonly member?: string | undefined;
}

/** Recorded rounds in order of their end, `limit` at a time after `cursor` (end ms, id). */
export async function listRounds(redis: Redis, team: string, filter: RoundFilter, limit: number, cursor?: Cursor): Promise<{ rounds: FocusRound[]; next: Cursor | null }> {
  const keys = focusKeys(team);
  const rounds: FocusRound[] = [];
  const batch = limit + 10;
  let offset = 0;
  const lowest = Math.max(filter.from, cursor?.score ?? filter.from);
  for (;;) {
    const page = (await redis.zrange(keys.byEnd, lowest, `(${filter.to}`, { byScore: true, offset, count: batch, withScores: true })) as string[];
    offset += page.length / 2;
    const ids: string[] = [];
    for (let i = 0; i < page.length; i += 2) if (isAfter(Number(page[i + 1]), page[i]!, cursor)) ids.push(page[i]!);
    if (ids.length > 0) {
      // The main store's client does not deserialize: HMGET answers the raw values in the order asked.
      const raws = (await redis.hmget(keys.rounds, ...ids)) as unknown as (string | null)[];
      for (const raw of raws) {
        if (raw === null) continue;
        const round = JSON.parse(raw) as FocusRound;
        if (filter.member === undefined || round.members.includes(filter.member)) rounds.push(round);
      }
    }
    if (rounds.length > limit || page.length < batch * 2) break;
  }
  const pageRounds = rounds.slice(0, limit);
  const last = pageRounds[pageRounds.length - 1];
  return { rounds: pageRounds, next: rounds.length > limit && last ? { score: Date.parse(last.ended_at), id: last.id } : null };
}

/** Rounds per read when a window is gathered whole. */
const GATHER_BATCH = 500;

/** Every round that ended in [from, to), in order of their end. */
export async function roundsBetween(redis: Redis, team: string, from: number, to: number): Promise<FocusRound[]> {
  const rounds: FocusRound[] = [];
  let cursor: Cursor | undefined;
  for (;;) {
    const page = await listRounds(redis, team, { from, to }, GATHER_BATCH, cursor);
    rounds.push(...page.rounds);
    if (page.next === null) return rounds;
    cursor = page.next;
  }
}
