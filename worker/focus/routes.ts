import { Hono } from "hono";
import type { Redis } from "@upstash/redis/cloudflare";
import { FocusSessionList, FocusSessionsQuery, FocusStats, FocusStatsQuery } from "../../shared/focus.ts";
import { documented, type ApiOperation } from "../api-doc.ts";
import { formatInstant, parseInstant } from "../../shared/instant.ts";
import { requireMember } from "../auth/access.ts";
import type { AppEnv } from "../env.ts";
import { hubFor } from "../live/hub-stub.ts";
import { invalid, readQuery } from "../request.ts";
import { decodeCursor, encodeCursor } from "../storage/cursor.ts";
import { mainStore } from "../storage/stores.ts";
import { csvResponse, sessionsCsv, statsCsv } from "./focus-csv.ts";
import { readDays } from "./focus-days-store.ts";
import { dayTotalsOf, statsFromDays, type DaysTotals } from "./focus-days.ts";
import { listRounds, roundsBetween } from "./focus-reader.ts";
import { DAY_MS, dayOf, type GroupBy } from "./focus-stats.ts";

/** /focus (mounted there): the team's focus history and its figures, as JSON or CSV. */
export const focusRoutes = new Hono<AppEnv>();
focusRoutes.use("/*", requireMember());

// What each route is, for the OpenAPI document (worker/api-doc.ts).
const CSV = { "text/csv": { schema: { type: "string", description: "RFC 4180: a header line, then one line per round or bucket" } } };
const SESSIONS: ApiOperation = {
  operationId: "listFocusSessions",
  summary: "Focus history",
  description:
    "Every focus round that ended (completed, skipped, or cut by stop), once each, in order of its end, paged. Rounds a timer the worker keeps finished by its deadline are recorded on the way. `format=csv` answers a spreadsheet, the next cursor in Next-Cursor.",
  tag: "focus",
  auth: "member",
  query: FocusSessionsQuery,
  store: "read",
  responses: { 200: { description: "A page of focus rounds (JSON, or CSV with format=csv)", json: FocusSessionList, media: CSV, headers: ["Next-Cursor", "Content-Disposition"] } },
};
const STATS: ApiOperation = {
  operationId: "getFocusStats",
  summary: "Focus figures over a window",
  description: "Per day (UTC), member or goal and in total: rounds, rounds completed, focus minutes, longest and current streak of days with a completed round. `format=csv` for a spreadsheet.",
  tag: "focus",
  auth: "member",
  query: FocusStatsQuery,
  store: "read",
  responses: { 200: { description: "The figures (JSON, or CSV with format=csv)", json: FocusStats, media: CSV, headers: ["Content-Disposition"] } },
};

focusRoutes.get("/sessions", documented(SESSIONS, async (c) => {
  const query = readQuery(c, FocusSessionsQuery);
  checkWindow(query);
  const { team } = c.get("member");
  // Rounds a timer the worker keeps finished by its deadline alone are recorded on the way.
  await hubFor(c.env, team).settleFocus(team);
  const filter = { from: instantMs(query.from, 0), to: instantMs(query.to, Number.MAX_SAFE_INTEGER), member: query.member };
  const page = await listRounds(mainStore(c.env), team, filter, query.limit, query.cursor === undefined ? undefined : decodeCursor(query.cursor));
  const next = page.next === null ? null : encodeCursor(page.next);
  if (query.format === "csv") return csvResponse(sessionsCsv(page.rounds), "focus-sessions.csv", next);
  return c.json({ sessions: page.rounds, next_cursor: next });
}));

/** A window whose `to` is not after its `from` holds nothing: a 400 naming `to`, as /events and /calendar.ics answer. */
function checkWindow(query: { from?: string | undefined; to?: string | undefined }): void {
  if (query.from === undefined || query.to === undefined) return;
  const from = instantMs(query.from, 0);
  if (instantMs(query.to, 0) <= from) throw invalid([{ field: "to", message: `must be after from (${formatInstant(from)})` }]);
}

function instantMs(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const parsed = parseInstant(text);
  return typeof parsed === "number" ? parsed : fallback;
}

focusRoutes.get("/stats", documented(STATS, async (c) => {
  const query = readQuery(c, FocusStatsQuery);
  checkWindow(query);
  const { team } = c.get("member");
  await hubFor(c.env, team).settleFocus(team);
  const to = instantMs(query.to, Date.now() + 1);
  const filter = { from: instantMs(query.from, 0), to };
  const { total, groups } = statsFromDays(await windowDays(mainStore(c.env), team, query.group_by, filter.from, to), query.group_by, dayOf(to - 1));
  const body: FocusStats = { from: query.from === undefined ? null : new Date(filter.from).toISOString(), to: query.to === undefined ? null : new Date(to).toISOString(), group_by: query.group_by, total, groups };
  if (query.format === "csv") return csvResponse(statsCsv(body), `focus-stats-${query.group_by}.csv`);
  return c.json(body);
}));

/**
 * The per-day totals of the rounds that ended in [from, to): whole days from the stored totals, the
 * partial days at either end from their rounds (a day's worth at most), read in one step.
 */
async function windowDays(redis: Redis, team: string, groupBy: GroupBy, from: number, to: number): Promise<DaysTotals> {
  const firstWhole = Math.ceil(from / DAY_MS) * DAY_MS;
  const endWhole = Math.floor(to / DAY_MS) * DAY_MS;
  if (firstWhole >= endWhole) return dayTotalsOf(await roundsBetween(redis, team, from, to));
  const partial = [...(from < firstWhole ? [{ from, to: firstWhole }] : []), ...(endWhole < to ? [{ from: endWhole, to }] : [])];
  const read = await readDays(redis, team, groupBy, dayOf(firstWhole), dayOf(endWhole - 1), partial);
  // Totals that could not be built (rounds kept arriving as they were counted): the rounds themselves.
  if (read === null) return dayTotalsOf(await roundsBetween(redis, team, from, to));
  return dayTotalsOf(read.rounds, read.days);
}
