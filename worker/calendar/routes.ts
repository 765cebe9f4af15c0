import { z } from "zod";
import { Hono, type Context } from "hono";
import { Event, EventList, EventListQuery, EventPatch, EventWrite, OccurrencePatch } from "../../shared/calendar.ts";
import { documented, type ApiOperation } from "../api-doc.ts";
import { formatInstant, parseInstant } from "../../shared/instant.ts";
import { ResourceId } from "../../shared/fields.ts";
import { ApiError } from "../http-errors.ts";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { requireMember } from "../auth/access.ts";
import { configOf, type AppEnv } from "../env.ts";
import { invalid, readBody, readId, readQuery, type FieldProblem } from "../request.ts";
import { addRecordRoutes, blockingTransactions, recordOperations, updateRecord, type RecordResource } from "../records/record-routes.ts";
import { notFound, writeRefusal } from "../http-outcomes.ts";
import { blockersOf } from "../resources.ts";
import { unreachable } from "../unreachable.ts";
import { encodeCursor } from "../storage/cursor.ts";
import { listWindow } from "./list-window.ts";
import { changesFor } from "../live/context.ts";
import { participantStore } from "../storage/stores.ts";
import { buildEvent, occurrencesOf, patchedEventFields, type EventFields } from "./event-record.ts";
import { checkPreconditions, etag, staleOrRetry, taggedJson, untilWritten } from "../preconditions.ts";
import { splitSeries, type Split } from "./split.ts";
import { cancelledSeries, isOccurrence, keptOverrides, occurrenceView, overriddenSeries } from "./occurrences.ts";
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
  conflicts: {
    create: ["event_exists", "time_slot_taken", "lock_conflict", "quota_exceeded", "beyond_series_horizon"],
    update: ["time_slot_taken", "lock_conflict", "write_contention", "quota_exceeded", "beyond_series_horizon"],
    remove: ["lock_conflict", "write_contention"],
  },
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
  const page = await storeFor(c).list({ ...listWindow(query), calendar: query.calendar, limit: query.limit });
  return taggedJson(c, { events: page.events, next_cursor: page.next === null ? null : encodeCursor(page.next) });
}));

const events: RecordResource<Event, EventFields, EventWrite, EventPatch> = {
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
  // A rewritten series keeps the overrides of occurrences it still has (see occurrences.ts).
  replaced: (current, fields: EventFields, now) =>
    checked(keptOverrides(built(fields, { id: current.id, created_by: current.created_by, created_at: current.created_at, updated_at: now, version: current.version + 1 }), current, "starts_at")),
  patched: patchedEventFields,
  docs: EVENT_OPERATIONS,
  ownPatch: true,
};

/** PATCH of the whole series, or with from_occurrence of that occurrence and those after it (before the shared routes: it takes their PATCH). */
calendarRoutes.patch("/:id", documented(EVENT_OPERATIONS.patch, async (c) => {
  const id = readId(c, ResourceId);
  const patch = await readBody(c, EventPatch);
  const split = patch.from_occurrence === undefined ? null : await splitAt(c, id, instantMs(patch.from_occurrence), patch);
  if (split !== null) return c.json(split.following as object, 200, { ETag: etag(split.following), Location: `/events/${split.following.id}` });
  const record = await updateRecord(c, events, id, (current, now) => events.replaced(current, events.patched(current, patch), now));
  return c.json(record as object, 200, { ETag: etag(record) });
}));

addRecordRoutes(calendarRoutes, events);

/**
 * "This and following": the series split at `from` in one atomic step (see split.ts), retried as
 * an update is. Null when no occurrence comes before `from`: the patch is then the whole series'.
 */
async function splitAt(c: Context<AppEnv>, id: string, from: number, patch: EventPatch): Promise<Split | null> {
  const store = storeFor(c);
  const member = c.get("member").member;
  const blockers = blockersOf(c, "calendar");
  return untilWritten(async () => {
    const current = await store.get(id);
    if (current === null) throw notFound(events, id);
    checkPreconditions(c, current);
    if (!isOccurrence(current, from)) {
      const what = current.recurrence === undefined ? `event ${id} is no series` : `the series ${id} has no occurrence starting at ${formatInstant(from)} (a cancelled one is none)`;
      throw invalid([{ field: "from_occurrence", message: `names no occurrence: ${what}` }]);
    }
    if (!occurrencesOf(current).some((o) => o.start < from)) return null;
    const now = new Date().toISOString();
    const split = checked(splitSeries(current, from, patch, { id: crypto.randomUUID(), created_by: member, created_at: now, updated_at: now, version: 1 }, now));
    const outcome = await store.split(split.before, current, split.following, member);
    switch (outcome.kind) {
      case "ok":
        return split;
      case "stale":
        return staleOrRetry(c, current, outcome.version);
      case "exists": // the new id was taken meanwhile: another one
        return "retry";
      case "locked":
      case "conflict":
        if (await blockers.cleared(blockingTransactions(outcome))) return "retry";
        throw writeRefusal(outcome, events, split.following);
      case "missing":
      case "quota_exceeded":
      case "beyond_horizon":
        throw writeRefusal(outcome, events, split.following);
      default:
        return unreachable(outcome, "split series outcome");
    }
  }, `event ${id}`);
}

const OCCURRENCE_PARAMS = {
  id: { description: "The series' id", schema: ResourceId, example: "standup" },
  occurrence_start: {
    description: "The occurrence's start as the series defines it (its RECURRENCE-ID, kept when the occurrence is moved), in any instant form the API takes (URL-encode a '+')",
    schema: z.string(),
    example: "2026-01-15T14:00:00Z",
  },
};
const NO_OCCURRENCE = { description: "No such series in your team, an event that is no series, or no (uncancelled) occurrence starting there", codes: ["not_found"] };
const CHANGE_OCCURRENCE: ApiOperation = {
  operationId: "changeOccurrence",
  summary: "Change one occurrence of a series",
  description:
    "An override of that occurrence alone (title, description, starts_at, ends_at): it keeps its occurrence_start, and a move is conflict-checked in the same atomic step as any booking. Writes the series, so If-Match names the series' ETag and the answer carries the series' new one. Answers the occurrence as a listing shows it.",
  tag: "calendar",
  auth: "member",
  params: OCCURRENCE_PARAMS,
  body: { schema: OccurrencePatch, required: true, example: { title: "Stand-up with guests" } },
  ifMatch: true,
  countsAsWrite: true,
  store: "write",
  responses: {
    200: { description: "Changed", json: Event, headers: ["ETag"] },
    404: NO_OCCURRENCE,
    409: { description: "Refused: the code says why; nothing was changed", codes: ["time_slot_taken", "lock_conflict", "write_contention", "beyond_series_horizon"] },
  },
};
const CANCEL_OCCURRENCE: ApiOperation = {
  operationId: "cancelOccurrence",
  summary: "Cancel one occurrence of a series",
  description: "Adds an EXDATE for it to the series: the listing no longer shows it and its slot is free at once. Writes the series, so If-Match names the series' ETag.",
  tag: "calendar",
  auth: "member",
  params: OCCURRENCE_PARAMS,
  ifMatch: true,
  countsAsWrite: true,
  store: "write",
  responses: {
    204: { description: "Cancelled" },
    404: NO_OCCURRENCE,
    409: { description: "Refused: the code says why; nothing was changed", codes: ["lock_conflict", "write_contention"] },
  },
};

/**
 * One occurrence of a series, named by the start the series gives it (occurrence_start, an
 * instant in any form the API takes; URL-encode a "+"). PATCH changes it alone (an override),
 * DELETE cancels it (an EXDATE); both write the series (If-Match: the series' version), the
 * change conflict-checked in the same atomic step as any booking.
 */
calendarRoutes.patch("/:id/occurrences/:occurrence_start", documented(CHANGE_OCCURRENCE, async (c) => {
  const { id, start } = readOccurrencePath(c);
  const patch = await readBody(c, OccurrencePatch);
  const series = await updateRecord(c, events, id, (current, now) => checked(overriddenSeries(occurrenceOf(current, start), start, patch, now)));
  return c.json(occurrenceView(series, start) as object, 200, { ETag: etag(series) });
}));

calendarRoutes.delete("/:id/occurrences/:occurrence_start", documented(CANCEL_OCCURRENCE, async (c) => {
  const { id, start } = readOccurrencePath(c);
  await updateRecord(c, events, id, (current, now) => checked(cancelledSeries(occurrenceOf(current, start), start, now)));
  return c.body(null, 204);
}));

function readOccurrencePath(c: Context<AppEnv>): { id: string; start: number } {
  const id = readId(c, ResourceId);
  const text = c.req.param("occurrence_start") ?? "";
  const start = text.length > 40 ? "must be an ISO 8601 date-time such as 2026-01-15T14:00:00Z" : parseInstant(text);
  if (typeof start === "string") throw invalid([{ field: "occurrence_start", message: start }]);
  return { id, start };
}

/** The series, if `start` is one of its occurrences (not cancelled); else 404. */
function occurrenceOf(series: Event, start: number): Event {
  if (series.recurrence === undefined) throw new ApiError(404, CommonErrorCodes.notFound, `event ${series.id} is no series, so it has no occurrences`);
  if (!isOccurrence(series, start)) throw new ApiError(404, CommonErrorCodes.notFound, `the series ${series.id} has no occurrence starting at ${formatInstant(start)} (a cancelled one is none; occurrence_start is the start the series gives it, also for a moved one)`);
  return series;
}

function built(fields: EventFields, meta: Parameters<typeof buildEvent>[1]): Event {
  return checked(buildEvent(fields, meta));
}

function checked<T extends object>(result: T | FieldProblem[]): T {
  if (Array.isArray(result)) throw invalid(result);
  return result;
}
