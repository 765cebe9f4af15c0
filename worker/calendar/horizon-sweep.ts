import type { Redis } from "@upstash/redis/cloudflare";
import type { Event } from "../../shared/calendar.ts";
import type { Env } from "../env.ts";
import { participantStore } from "../storage/stores.ts";
import { dependencyOutage } from "../storage/dependency-failure.ts";
import { EXTEND_BELOW_MS, HORIZON_AHEAD_MS, isOpenEnded } from "./horizon.ts";
import { CALENDAR_HORIZONS, calendarKeys } from "./keys.ts";
import { occurrencesIn } from "./event-record.ts";
import { extendHorizonScript, forgetOpenSeriesScript } from "./scripts.ts";

/** The scheduled handler's call: one pass over the calendar store, in one log line; an outage waits for the next run. */
export async function moveSeriesHorizons(env: Env, now: number): Promise<void> {
  try {
    const pass = await extendSeriesHorizons(participantStore(env, "calendar"), now);
    if (pass.extended > 0 || pass.blocked.length > 0) console.log(JSON.stringify({ event: "series_horizons", extended: pass.extended, blocked: pass.blocked }));
  } catch (error) {
    const outage = dependencyOutage(error);
    if (outage === null) throw error;
    console.warn(JSON.stringify({ event: "series_horizons_postponed", reason: outage.reason, retry: "next scheduled run" }));
  }
}

/** What one pass did, for the scheduled handler's log line. */
export interface HorizonSweep {
  extended: number;
  /** Calendars whose horizon stopped short: two of their series without an end meet there. */
  blocked: Array<{ team: string; calendar: string; at: string; entry: string; other: string }>;
}

/**
 * The scheduled sweep's part for series without an end (see horizon.ts): every calendar in the
 * index whose horizon is less than EXTEND_BELOW_MS ahead of `now` gets it moved to
 * HORIZON_AHEAD_MS ahead. A calendar with no such series left is dropped from the index.
 */
export async function extendSeriesHorizons(redis: Redis, now: number): Promise<HorizonSweep> {
  const result: HorizonSweep = { extended: 0, blocked: [] };
  const due = (await redis.zrange(CALENDAR_HORIZONS, "-inf", now + EXTEND_BELOW_MS, { byScore: true, offset: 0, count: 200 })) as string[];
  for (const member of due) {
    const [team, calendar] = JSON.parse(member) as [string, string];
    const outcome = await extendCalendar(redis, team, calendar, now + HORIZON_AHEAD_MS);
    if (outcome.kind === "gone") await redis.zrem(CALENDAR_HORIZONS, member);
    else if (outcome.kind !== "moved") await redis.zadd(CALENDAR_HORIZONS, { score: outcome.horizon, member });
    if (outcome.kind === "ok") result.extended++;
    if (outcome.kind === "blocked") result.blocked.push({ team, calendar, at: new Date(outcome.horizon).toISOString(), entry: outcome.entry, other: outcome.other });
  }
  return result;
}

type CalendarOutcome = { kind: "gone" } | { kind: "moved" } | { kind: "ok"; horizon: number } | { kind: "blocked"; horizon: number; entry: string; other: string };

async function extendCalendar(redis: Redis, team: string, calendar: string, target: number): Promise<CalendarOutcome> {
  const k = calendarKeys(team);
  const [stored, ids] = await Promise.all([redis.get<string | number>(k.horizon(calendar)), redis.smembers(k.openSeries(calendar))]);
  const raws = ids.length === 0 ? [] : await redis.mget<(Event | string | null)[]>(...ids.map((id) => k.event(id)));
  const series: Event[] = [];
  const stale: string[] = [];
  ids.forEach((id, i) => {
    const raw = raws[i];
    const event = raw === null || raw === undefined ? null : typeof raw === "string" ? (JSON.parse(raw) as Event) : raw;
    if (event !== null && event.calendar === calendar && isOpenEnded(event)) series.push(event);
    else stale.push(id);
  });
  if (stale.length > 0 && Number(await forgetOpenSeriesScript.run(redis, [k.openSeries(calendar), k.horizon(calendar)], stale)) === 0) return { kind: "gone" };
  if (stored === null || series.length === 0) return { kind: "gone" };
  const horizon = Number(stored);
  if (horizon >= target) return { kind: "ok", horizon };
  const entries = series
    // Only the window: occurrences past the horizon have no overrides (a write refuses those).
    .flatMap((event, s) => occurrencesIn(event, horizon, target).map((o) => ({ ...o, member: `${event.id}@${o.start}`, series: s + 1 })))
    .sort((a, b) => a.start - b.start);
  const reply = (await extendHorizonScript.run(
    redis,
    [k.horizon(calendar), k.starts(calendar), k.ends(calendar), k.teamStarts, k.maxLength, ...series.flatMap((event) => [k.event(event.id), k.occurrences(event.id)])],
    [String(stored), target, series.length, ...series.flatMap((event) => [event.id, event.version]), ...entries.flatMap((e) => [e.member, e.start, e.end, e.series])],
  )) as string[];
  if (reply[0] === "moved") return { kind: "moved" };
  if (reply[0] === "blocked") return { kind: "blocked", horizon: Number(reply[1]), entry: reply[2]!, other: reply[3]! };
  return { kind: "ok", horizon: target };
}
