import type { Redis } from "@upstash/redis/cloudflare";
import { personalCalendar } from "../../shared/people.ts";
import type { CalendarStore } from "../calendar/store.ts";
import type { Cursor } from "../storage/cursor.ts";
import { instantMs } from "../calendar/store.ts";
import { mergeIntervals, type Interval } from "./intervals.ts";
import { externalBusyIn } from "./external-busy.ts";

const PAGE = 1000;

/** Where busy time comes from; each returns a member's intervals overlapping the window (any order). */
export interface BusySources {
  calendar: CalendarStore;
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
  const [own, external] = await Promise.all([calendarBusy(sources.calendar, personalCalendar(member), from, to), externalBusyIn(sources.main, sources.team, member, from, to)]);
  return mergeIntervals([...own, ...external]);
}

/** Every event on one calendar overlapping [from, to), as intervals (a room's busy time too). */
export async function calendarBusy(store: CalendarStore, calendar: string | null, from: number, to: number): Promise<Interval[]> {
  if (calendar === null) return [];
  const busy: Interval[] = [];
  let cursor: Cursor | undefined;
  do {
    const page = await store.list({ from, to, calendar, limit: PAGE, cursor });
    for (const event of page.events) busy.push({ start: instantMs(event.starts_at), end: instantMs(event.ends_at) });
    cursor = page.next ?? undefined;
  } while (cursor !== undefined);
  return busy;
}
