import { Hono, type Context } from "hono";
import { Event, EventList, EventListQuery, EventPatch, EventWrite } from "../../shared/calendar.ts";
import { documented } from "../api-doc.ts";
import { formatInstant, MAX_INSTANT_MS } from "../../shared/instant.ts";
import { requireMember } from "../auth/access.ts";
import { configOf, type AppEnv } from "../env.ts";
import { invalid, readQuery } from "../request.ts";
import { addRecordRoutes, recordOperations } from "../records/record-routes.ts";
import { decodeCursor, encodeCursor } from "../storage/cursor.ts";
import { changesFor } from "../live/context.ts";
import { participantStore } from "../storage/stores.ts";
import { buildEvent, patchedEventFields, type EventFields } from "./event-record.ts";
import { taggedJson } from "../preconditions.ts";
import { CalendarStore, instantMs } from "./store.ts";

/** /events (mounted there): the team calendar. Paths work with and without a trailing slash (the app is not strict). */
export const calendarRoutes = new Hono<AppEnv>();
calendarRoutes.use("/", requireMember());
calendarRoutes.use("/*", requireMember());

// What each route is, for the OpenAPI document (worker/api-doc.ts).
const EVENT_OPERATIONS = recordOperations({
  noun: "event",
  article: "an event",
  tag: "calendar",
  record: Event,
  write: EventWrite,
  patch: EventPatch,
  example: {
    id: "standup",
    create: { id: "standup", title: "Stand-up", starts_at: "2026-01-15T14:00:00Z", ends_at: "2026-01-15T14:15:00Z", time_zone: "Europe/Berlin" },
    patch: { ends_at: "2026-01-15T14:30:00Z" },
  },
  conflicts: { create: ["event_exists", "time_slot_taken", "lock_conflict", "quota_exceeded"], update: ["time_slot_taken", "lock_conflict", "write_contention", "quota_exceeded"], remove: ["lock_conflict", "write_contention"] },
  listing: {
    operationId: "listEvents",
    summary: "List events overlapping a window",
    description: "Sorted by start, paged (go on while next_cursor is not null). A series answers each of its occurrences in the window.",
    query: EventListQuery,
    json: EventList,
  },
  summaries: { create: "Book an event; refused if it overlaps another on its calendar", replace: "Replace an event; never collides with itself", patch: "Change some fields of an event", remove: "Delete an event; its slot is free at once" },
});

function storeFor(c: Context<AppEnv>): CalendarStore {
  return new CalendarStore(participantStore(c.env, "calendar"), c.get("member").team, changesFor(c), configOf(c.env).quotas.events);
}

calendarRoutes.get("/", documented(EVENT_OPERATIONS.list, async (c) => {
  const query = readQuery(c, EventListQuery);
  const from = query.from === undefined ? 0 : instantMs(query.from);
  const to = query.to === undefined ? MAX_INSTANT_MS + 1 : instantMs(query.to);
  if (to <= from) throw invalid([{ field: "to", message: `must be after from (${formatInstant(from)})` }]);
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const page = await storeFor(c).list({ from, to, calendar: query.calendar, limit: query.limit, cursor });
  return taggedJson(c, { events: page.events, next_cursor: page.next === null ? null : encodeCursor(page.next) });
}));

addRecordRoutes(calendarRoutes, {
  participant: "calendar",
  noun: "event",
  article: "an event",
  slot: (event: Event) =>
    event.recurrence === undefined
      ? `${event.starts_at} to ${event.ends_at} on calendar ${event.calendar}`
      : `the series ${event.id} (occurrences of ${event.starts_at} to ${event.ends_at}, ${event.recurrence.join(" ")}) on calendar ${event.calendar}`,
  base: "/events",
  write: EventWrite,
  patch: EventPatch,
  store: storeFor,
  created: (fields, { id, member, now }) => built(fields, { id, created_by: member, created_at: now, updated_at: now, version: 1 }),
  replaced: (current, fields: EventFields, now) =>
    built(fields, { id: current.id, created_by: current.created_by, created_at: current.created_at, updated_at: now, version: current.version + 1 }),
  patched: patchedEventFields,
  docs: EVENT_OPERATIONS,
});

function built(fields: EventFields, meta: Parameters<typeof buildEvent>[1]): Event {
  const event = buildEvent(fields, meta);
  if (Array.isArray(event)) throw invalid(event);
  return event;
}
