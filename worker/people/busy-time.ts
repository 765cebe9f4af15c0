import type { Redis } from "@upstash/redis/cloudflare";
import { personalCalendar } from "../../shared/people.ts";
import { calendarKeys } from "../calendar/keys.ts";
import { mergeIntervals, type Interval } from "./intervals.ts";
import { externalBusyIn } from "./external-busy.ts";

/** Where busy time comes from; each returns a member's intervals overlapping the window (any order). */
export interface BusySources {
  /** The calendar participant's store (events and their index). */
  calendar: Redis;
  /** The main store, where external calendars' intervals are kept. */
  main: Redis;
  team: string;
}

/**
 * A member's busy time in [from, to), merged: the events of their personal calendar (every
 * occurrence of a series) and their external calendars. Attendees (events on other calendars
 * naming the member) will be a third source here. Only intervals leave this file: no titles.
 */
export async function busyOf(sources: BusySources, member: string, from: number, to: number): Promise<Interval[]> {
  const [own, external] = await Promise.all([calendarBusy(sources, personalCalendar(member), from, to), externalBusyIn(sources.main, sources.team, member, from, to)]);
  return mergeIntervals([...own, ...external]);
}

/**
 * Busy time on one calendar in [from, to) (a personal calendar, or a room): read from the
 * calendar's own index (calendar/keys.ts: each entry's start and end as scores), not its event
 * records, so 90 days of a busy calendar are three small replies instead of every event's JSON
 * (that was 8x a week's GET /events in the find-time bench). The index also holds transactions'
 * holds, which are busy time as much as events are. Entries on one calendar never overlap, so
 * only the last one starting before `from` can reach into the window.
 */
export async function calendarBusy(sources: BusySources, calendar: string | null, from: number, to: number): Promise<Interval[]> {
  if (calendar === null) return [];
  const keys = calendarKeys(sources.team);
  const redis = sources.calendar;
  const [before, inside] = await Promise.all([
    redis.zrange(keys.starts(calendar), `(${from}`, "-inf", { byScore: true, rev: true, offset: 0, count: 1, withScores: true }) as Promise<string[]>,
    redis.zrange(keys.starts(calendar), from, `(${to}`, { byScore: true, withScores: true }) as Promise<string[]>,
  ]);
  const entries = [...before, ...inside];
  if (entries.length === 0) return [];
  const ids: string[] = [];
  const starts: number[] = [];
  for (let i = 0; i < entries.length; i += 2) {
    ids.push(String(entries[i]));
    starts.push(Number(entries[i + 1]));
  }
  const ends = (await redis.zmscore(keys.ends(calendar), ids)) ?? [];
  const busy: Interval[] = [];
  ids.forEach((_, i) => {
    const end = ends[i];
    // An entry removed between the two reads has no end any more: it is free now.
    if (end !== null && end !== undefined && Number(end) > from) busy.push({ start: starts[i]!, end: Number(end) });
  });
  return busy;
}
