import { Hono, type Context } from "hono";
import { z } from "zod";
import { CalendarName, EventListQuery, EventPatch, EventWrite, type Event } from "../../shared/calendar.ts";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { ResourceId } from "../../shared/fields.ts";
import { formatInstant, MAX_INSTANT_MS } from "../../shared/instant.ts";
import { requireMember } from "../auth/access.ts";
import type { AppEnv } from "../env.ts";
import { ApiError, lockConflict } from "../http-errors.ts";
import { checkPreconditions, etag, ifNoneMatchMatches, staleOrRetry, untilWritten } from "../preconditions.ts";
import { invalid, readBody, readId, readQuery } from "../request.ts";
import { decodeCursor, encodeCursor, type Cursor } from "../storage/cursor.ts";
import { changesFor } from "../live/context.ts";
import { participantStore } from "../storage/stores.ts";
import { buildEvent, patchedEventFields, type EventFields } from "./event-record.ts";
import { calendarFeed } from "./ics.ts";
import { blockersOf, repairedRead } from "../resources.ts";
import { unreachable } from "../unreachable.ts";
import { answerRecord, idempotencyOf, keyReused, replay } from "../idempotency/idempotency.ts";
import { CalendarStore, instantMs, type PutOutcome } from "./store.ts";

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
  return new CalendarStore(participantStore(c.env, "calendar"), c.get("member").team, changesFor(c));
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

calendarRoutes.post("/", async (c) => {
  const body = await readBody(c, EventWrite);
  const member = c.get("member").member;
  const now = new Date().toISOString();
  const event = built(body, { id: body.id ?? crypto.randomUUID(), created_by: member, created_at: now, updated_at: now, version: 1 });
  const headers = { ETag: etag(event.version), Location: `/events/${event.id}` };
  const key = await idempotencyOf(c, c.get("member"));
  const idem = key === undefined ? undefined : { key, answer: await answerRecord(key, 201, event, headers) };
  const store = storeFor(c);
  const blockers = blockersOf(c, "calendar");
  // Each retry follows a transaction resolved just now (Blockers), so the loop ends.
  for (;;) {
    const outcome = await store.put(event, undefined, member, idem);
    switch (outcome.kind) {
      case "ok":
        return c.json(event, 201, headers);
      case "replay":
        return replay(outcome.record, key!);
      case "key_reused":
        throw keyReused();
      case "exists":
        throw new ApiError(409, "event_exists", `an event with id ${event.id} already exists`, { details: { id: event.id } });
      case "locked":
      case "conflict":
        if (await blockers.cleared(blockingTransactions(outcome))) continue;
        throw refusal(outcome, event);
      case "missing":
      case "stale":
        throw new Error(`put_event answered ${outcome.kind} to a create`);
      default:
        return unreachable(outcome, "put_event outcome");
    }
  }
});

calendarRoutes.get("/:id", async (c) => {
  const id = readId(c, ResourceId);
  const store = storeFor(c);
  let { event, lockedBy } = await store.getWithLock(id);
  if (await repairedRead(c, "calendar", lockedBy)) event = await store.get(id);
  if (event === null) throw notFound(id);
  if (ifNoneMatchMatches(c, event.version)) return c.body(null, 304, { ETag: etag(event.version) });
  return c.json(event, 200, { ETag: etag(event.version) });
});

calendarRoutes.put("/:id", async (c) => {
  const id = readId(c, ResourceId);
  const body = await readBody(c, EventWrite);
  if (body.id !== undefined && body.id !== id) throw invalid([{ field: "id", message: `must match the path (${id}) or be left out` }]);
  return update(c, id, () => body);
});

calendarRoutes.patch("/:id", async (c) => {
  const id = readId(c, ResourceId);
  const patch = await readBody(c, EventPatch);
  return update(c, id, (current) => patchedEventFields(current, patch));
});

calendarRoutes.delete("/:id", async (c) => {
  const id = readId(c, ResourceId);
  const store = storeFor(c);
  const blockers = blockersOf(c, "calendar");
  await untilWritten(async () => {
    const current = await store.get(id);
    if (current === null) throw notFound(id);
    checkPreconditions(c, current.version);
    const outcome = await store.delete(current, c.get("member").member);
    switch (outcome.kind) {
      case "ok":
        return outcome;
      case "missing":
        throw notFound(id);
      case "stale":
        return staleOrRetry(c, outcome.version);
      case "locked":
        if (await blockers.cleared([outcome.tx])) return "retry";
        throw lockConflict(`event ${id}`);
      default:
        return unreachable(outcome, "delete_event outcome");
    }
  }, `event ${id}`);
  return c.body(null, 204);
});

/** PUT and PATCH: re-read, rebuild, compare-and-set, until it lands. Never collides with itself. */
async function update(c: Context<AppEnv>, id: string, fieldsFrom: (current: Event) => EventFields): Promise<Response> {
  const store = storeFor(c);
  const member = c.get("member").member;
  const blockers = blockersOf(c, "calendar");
  const event = await untilWritten(async () => {
    const current = await store.get(id);
    if (current === null) throw notFound(id);
    checkPreconditions(c, current.version);
    const next = built(fieldsFrom(current), { id, created_by: current.created_by, created_at: current.created_at, updated_at: new Date().toISOString(), version: current.version + 1 });
    const outcome = await store.put(next, current, member);
    switch (outcome.kind) {
      case "ok":
        return next;
      case "missing":
        throw notFound(id);
      case "stale":
        return staleOrRetry(c, outcome.version);
      case "locked":
      case "conflict":
        if (await blockers.cleared(blockingTransactions(outcome))) return "retry";
        throw refusal(outcome, next);
      case "exists":
      case "replay":
      case "key_reused":
        throw new Error(`put_event answered ${outcome.kind} to an update`);
      default:
        return unreachable(outcome, "put_event outcome");
    }
  }, `event ${id}`);
  return c.json(event, 200, { ETag: etag(event.version) });
}

function built(fields: EventFields, meta: Parameters<typeof buildEvent>[1]): Event {
  const event = buildEvent(fields, meta);
  if (Array.isArray(event)) throw invalid(event);
  return event;
}

/** The transactions behind a lock or the holds among a conflict's entries (resolved, the write may be retried). */
function blockingTransactions(outcome: Extract<PutOutcome, { kind: "locked" | "conflict" }>): string[] {
  if (outcome.kind === "locked") return [outcome.tx];
  return outcome.conflicts.map((conflict) => conflict.tx).filter((tx) => tx !== undefined);
}

/** The 409 for a write that met a live transaction's lock, or a slot taken by an event or a hold. */
function refusal(outcome: Extract<PutOutcome, { kind: "locked" | "conflict" }>, event: Event): ApiError {
  if (outcome.kind === "locked") return lockConflict(`event ${event.id}`);
  // Holds belong to other members' transactions: say the slot is held, not by which transaction.
  const conflicts = outcome.conflicts.map(({ tx, ...rest }) => (tx === undefined ? rest : { ...rest, id: "(held by a transaction in progress)" }));
  const ids = conflicts.map((c) => c.id).join(", ");
  return new ApiError(409, "time_slot_taken", `${event.starts_at} to ${event.ends_at} on calendar ${event.calendar} overlaps ${ids}`, {
    details: { conflicts },
  });
}

function notFound(id: string): ApiError {
  return new ApiError(404, CommonErrorCodes.notFound, `no event with id ${id}`);
}
