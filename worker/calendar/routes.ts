import { Hono, type Context } from "hono";
import { z } from "zod";
import { CalendarName, EventListQuery, EventPatch, EventWrite, type Event } from "../../shared/calendar.ts";
import { formatInstant, MAX_INSTANT_MS } from "../../shared/instant.ts";
import { requireMember } from "../auth/access.ts";
import { configOf, type AppEnv } from "../env.ts";
import { invalid, readQuery } from "../request.ts";
import { addRecordRoutes } from "../records/record-routes.ts";
import { decodeCursor, encodeCursor, type Cursor } from "../storage/cursor.ts";
import { changesFor } from "../live/context.ts";
import { participantStore } from "../storage/stores.ts";
import { buildEvent, patchedEventFields, type EventFields } from "./event-record.ts";
import { calendarFeed } from "./ics.ts";
import { CalendarStore, instantMs } from "./store.ts";

/** /events (mounted there): the team calendar. Paths work with and without a trailing slash (the app is not strict). */
export const calendarRoutes = new Hono<AppEnv>();
calendarRoutes.use("/", requireMember());
calendarRoutes.use("/*", requireMember());

/** /calendar.ics (mounted there): the team calendar as an iCalendar feed. */
export const calendarFeedRoutes = new Hono<AppEnv>();
// Calendar apps subscribe by URL and cannot send a header, so the feed also takes ?token=.
calendarFeedRoutes.use("/", requireMember({ allowQueryToken: true }));

/** How far back and ahead the feed reaches, and how many events it carries at most. */
const FEED_PAST_MS = 90 * 86_400_000;
const FEED_FUTURE_MS = 400 * 86_400_000;
const FEED_MAX_EVENTS = 5000;

function storeFor(c: Context<AppEnv>): CalendarStore {
  return new CalendarStore(participantStore(c.env, "calendar"), c.get("member").team, changesFor(c), configOf(c.env).quotas.events);
}

calendarRoutes.get("/", async (c) => {
  const query = readQuery(c, EventListQuery);
  const from = query.from === undefined ? 0 : instantMs(query.from);
  const to = query.to === undefined ? MAX_INSTANT_MS + 1 : instantMs(query.to);
  if (to <= from) throw invalid([{ field: "to", message: `must be after from (${formatInstant(from)})` }]);
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const page = await storeFor(c).list({ from, to, calendar: query.calendar, limit: query.limit, cursor });
  return c.json({ events: page.events, next_cursor: page.next === null ? null : encodeCursor(page.next) });
});

calendarFeedRoutes.get("/", async (c) => {
  const { calendar } = readQuery(c, z.strictObject({ calendar: CalendarName.optional(), token: z.string().optional() }));
  const now = Date.now();
  const store = storeFor(c);
  const events: Event[] = [];
  let cursor: Cursor | undefined;
  do {
    const page = await store.list({ from: now - FEED_PAST_MS, to: now + FEED_FUTURE_MS, calendar, limit: 500, cursor });
    events.push(...page.events);
    cursor = page.next ?? undefined;
  } while (cursor !== undefined && events.length < FEED_MAX_EVENTS);
  return c.body(calendarFeed(c.get("member").team, events.slice(0, FEED_MAX_EVENTS)), 200, {
    "Content-Type": "text/calendar; charset=utf-8",
    "Content-Disposition": 'inline; filename="groupsync.ics"',
    "Cache-Control": "private, max-age=60",
  });
});

addRecordRoutes(calendarRoutes, {
  participant: "calendar",
  noun: "event",
  article: "an event",
  slot: (event: Event) => `${event.starts_at} to ${event.ends_at} on calendar ${event.calendar}`,
  base: "/events",
  write: EventWrite,
  patch: EventPatch,
  store: storeFor,
  created: (fields, { id, member, now }) => built(fields, { id, created_by: member, created_at: now, updated_at: now, version: 1 }),
  replaced: (current, fields: EventFields, now) =>
    built(fields, { id: current.id, created_by: current.created_by, created_at: current.created_at, updated_at: now, version: current.version + 1 }),
  patched: patchedEventFields,
});

function built(fields: EventFields, meta: Parameters<typeof buildEvent>[1]): Event {
  const event = buildEvent(fields, meta);
  if (Array.isArray(event)) throw invalid(event);
  return event;
}
