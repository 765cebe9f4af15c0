import { Hono, type Context } from "hono";
import { z } from "zod";
import { CalendarName } from "../../shared/calendar.ts";
import { InstantText } from "../../shared/fields.ts";
import { formatInstant } from "../../shared/instant.ts";
import { requireMember } from "../auth/access.ts";
import { documented, type ApiOperation } from "../api-doc.ts";
import type { AppEnv } from "../env.ts";
import { changesFor, waitUntilOf } from "../live/context.ts";
import { feedInline, feedKeys } from "../live/feed.ts";
import { contentTag, notModified, taggedAnswer } from "../preconditions.ts";
import { invalid, readQuery } from "../request.ts";
import type { Cursor } from "../storage/cursor.ts";
import { mainStore, participantStore } from "../storage/stores.ts";
import { calendarFeed, type FeedEvent } from "./ics.ts";
import { CalendarStore, instantMs } from "./store.ts";

/** /calendar.ics (mounted there): the team calendar as an iCalendar feed. */
export const calendarFeedRoutes = new Hono<AppEnv>();
// Calendar apps subscribe by URL and cannot send a header, so the feed also takes ?token=.
calendarFeedRoutes.use("/", requireMember({ allowQueryToken: true }));

const DAY_MS = 86_400_000;
/** The window without ?from= / ?to=: from a year back to two years ahead of today (UTC days, so it moves once a day). */
export const FEED_DEFAULT_PAST_DAYS = 365;
export const FEED_DEFAULT_FUTURE_DAYS = 730;
/** The most events one answer carries (the earliest in the window); a narrower window gets the rest. */
export const FEED_MAX_EVENTS = 5000;
/** How long a rendered feed's tag is remembered for its window (see below). */
const TAG_MEMORY_SECONDS = 2 * 86_400;

export const FeedQuery = z.strictObject({
  calendar: CalendarName.optional(),
  token: z.string().optional().meta({ description: "A member token, for calendar apps that cannot send Authorization." }),
  from: InstantText.optional().meta({ description: `Only events that end after this instant (default: ${FEED_DEFAULT_PAST_DAYS} days before today, UTC).` }),
  to: InstantText.optional().meta({ description: `Only events that start before this instant (default: ${FEED_DEFAULT_FUTURE_DAYS} days after today, UTC).` }),
});

const FEED: ApiOperation = {
  operationId: "getCalendarFeed",
  summary: "The team calendar as an iCalendar (RFC 5545) feed",
  description: `The events in a window (default: ${FEED_DEFAULT_PAST_DAYS} days back to ${FEED_DEFAULT_FUTURE_DAYS} ahead, at most ${FEED_MAX_EVENTS} events, the earliest; X-GROUPSYNC-TRUNCATED:TRUE when there were more). An event with a time_zone keeps it (TZID). REFRESH-INTERVAL / X-PUBLISHED-TTL: 15 minutes. Calendar apps cannot send a header, so \`?token=\` may replace it.`,
  tag: "calendar",
  auth: "member",
  query: FeedQuery,
  conditional: "etag",
  store: "read",
  responses: {
    200: {
      description: "The feed (ETag: of its content)",
      media: { "text/calendar": { schema: { type: "string", description: "RFC 5545: BEGIN:VCALENDAR ... END:VCALENDAR" } } },
      headers: ["ETag", "Cache-Control", "Content-Disposition"],
    },
  },
};

/** The window a feed request covers, in ms. */
export function feedWindow(query: { from?: string; to?: string }, nowMs: number): { from: number; to: number } {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const from = query.from === undefined ? today - FEED_DEFAULT_PAST_DAYS * DAY_MS : instantMs(query.from);
  const to = query.to === undefined ? today + FEED_DEFAULT_FUTURE_DAYS * DAY_MS : instantMs(query.to);
  if (to <= from) throw invalid([{ field: "to", message: `must be after from (${formatInstant(from)})` }]);
  return { from, to };
}

/**
 * The feed's ETag is its content's, so it is right whatever changed. To answer a calendar app's
 * refresh without reading and rendering every event, the tag of the last rendering of each window
 * is remembered with the team's change counter (the live feed's seq, which every calendar write
 * bumps in its own script): while the counter has not moved, a matching If-None-Match is a 304 at
 * the cost of one read. Any other change of the team (a goal, the timer) moves the counter too;
 * then the feed is rendered once more, and its tag, still the same, is still a 304. When the
 * calendar has its own Redis the counter is bumped after the write rather than with it, so there
 * nothing is remembered and every request renders (a 304 still sends no body).
 */
calendarFeedRoutes.get("/", documented(FEED, async (c) => {
  const query = readQuery(c, FeedQuery);
  const { from, to } = feedWindow(query, Date.now());
  const team = c.get("member").team;
  const headers = {
    "Content-Type": "text/calendar; charset=utf-8",
    "Content-Disposition": 'inline; filename="groupsync.ics"',
    "Cache-Control": "private, max-age=60",
  };
  const remembered = feedInline(c.env, "calendar") ? await rememberedTag(c, team, `${query.calendar ?? "*"}:${from}:${to}`) : undefined;
  if (remembered?.tag !== undefined && notModified(c, remembered.tag)) return c.body(null, 304, { ETag: remembered.tag, "Cache-Control": headers["Cache-Control"] });

  const { events, truncated } = await eventsIn(c, from, to, query.calendar);
  const text = calendarFeed(team, events, { truncated });
  const tag = await contentTag(text);
  if (remembered !== undefined && remembered.tag !== tag) remembered.remember(tag);
  return taggedAnswer(c, text, headers, tag);
}));

/**
 * The events overlapping the window, the earliest FEED_MAX_EVENTS (occurrences counted one by
 * one), with each series that has an occurrence among them once, whole, where its first one falls:
 * the feed writes it as an RRULE, so a calendar app shows every occurrence, also outside the window.
 */
async function eventsIn(c: Context<AppEnv>, from: number, to: number, calendar: string | undefined): Promise<{ events: FeedEvent[]; truncated: boolean }> {
  const store = new CalendarStore(participantStore(c.env, "calendar"), c.get("member").team, changesFor(c));
  const listed: FeedEvent[] = [];
  let cursor: Cursor | undefined;
  do {
    const page = await store.list({ from, to, calendar, limit: 500, cursor });
    listed.push(...page.events);
    cursor = page.next ?? undefined;
  } while (cursor !== undefined && listed.length <= FEED_MAX_EVENTS);
  const kept = listed.slice(0, FEED_MAX_EVENTS);
  const seriesIds = [...new Set(kept.flatMap((e) => (e.series_id === undefined ? [] : [e.series_id])))];
  const series = new Map((await Promise.all(seriesIds.map((id) => store.get(id)))).flatMap((e) => (e === null ? [] : [[e.id, e] as const])));
  const events: FeedEvent[] = [];
  const written = new Set<string>();
  for (const event of kept) {
    if (event.series_id === undefined) events.push(event);
    else if (!written.has(event.series_id)) {
      written.add(event.series_id);
      // A series deleted between the two reads is left out, as the listing would leave it out now.
      const whole = series.get(event.series_id);
      if (whole !== undefined && whole.recurrence !== undefined) events.push(whole);
    }
  }
  return { events, truncated: listed.length > FEED_MAX_EVENTS || cursor !== undefined };
}

/** The tag remembered for this window at the team's current change counter, and how to remember a new one. */
async function rememberedTag(c: Context<AppEnv>, team: string, window: string): Promise<{ tag: string | undefined; remember: (tag: string) => void }> {
  const redis = mainStore(c.env);
  const key = `gs:{${team}}:ics-tag:${window}`;
  // Read the counter before the events: a tag is remembered under a counter no newer than what it shows.
  const [seq, stored] = await redis.mget<(string | number | null)[]>(feedKeys(team).seq, key);
  const counter = String(seq ?? 0);
  const [storedCounter, storedTag] = typeof stored === "string" ? stored.split(" ") : [];
  const remember = (tag: string) => {
    const write = redis.set(key, `${counter} ${tag}`, { ex: TAG_MEMORY_SECONDS }).catch((error: unknown) => {
      // Only a later 304 is lost: the next request renders again.
      console.warn(JSON.stringify({ event: "feed_tag_not_remembered", request_id: c.get("requestId"), team, error: String(error) }));
    });
    waitUntilOf(c)?.(write);
  };
  return { tag: storedCounter === counter ? storedTag : undefined, remember };
}
