import { Hono, type Context } from "hono";
import { formatInstant } from "../../shared/instant.ts";
import {
  AvailabilityWrite,
  FIND_TIME_STEP_MINUTES,
  FindTimeRequest,
  FreeBusyQuery,
  MAX_PEOPLE_MEMBERS,
  MAX_PEOPLE_WINDOW_DAYS,
  ExternalCalendarWrite,
  MAX_EXTERNAL_CALENDARS,
  type FindTimeResult,
  type FreeBusy,
  type NoSlotReason,
} from "../../shared/people.ts";
import { MemberName } from "../../shared/teams.ts";
import { requireMember } from "../auth/access.ts";
import { listMembers } from "../auth/team-store.ts";
import { instantMs } from "../calendar/store.ts";
import { canonicalZone } from "../calendar/recurrence/zone-time.ts";
import { configOf, type AppEnv } from "../env.ts";
import { documented } from "../api-doc.ts";
import { ApiError } from "../http-errors.ts";
import { invalid, readBody, readQuery, validate, type FieldProblem } from "../request.ts";
import { mainStore, participantStore } from "../storage/stores.ts";
import { AvailabilityStore } from "./availability-store.ts";
import { ExternalCalendars } from "./external-calendars.ts";
import { endpointUrlProblem } from "../webhooks/endpoint-url.ts";
import { busyOf, calendarBusy, type BusySources } from "./busy-time.ts";
import type { Interval } from "./intervals.ts";
import { PEOPLE_OPERATIONS } from "./operations.ts";
import { findSlots, requiredMembers } from "./slot-search.ts";
import { workingIntervals } from "./working-hours.ts";

/** /members/{member}/availability, /members/{member}/calendars, /freebusy and /find-time (mounted at /). */
export const peopleRoutes = new Hono<AppEnv>();
for (const path of ["/members/*", "/freebusy", "/find-time"]) peopleRoutes.use(path, requireMember());

const DAY_MS = 86_400_000;
const DEFAULT_SLOTS = 5;

const availabilityOf = (c: Context<AppEnv>) => new AvailabilityStore(mainStore(c.env), c.get("member").team);

function sourcesOf(c: Context<AppEnv>): BusySources {
  const team = c.get("member").team;
  return { calendar: participantStore(c.env, "calendar"), main: mainStore(c.env), team };
}

/** The {member} of the path, checked like a member name. */
function pathMember(c: Context<AppEnv>): string {
  const member = c.req.param("member") ?? "";
  validate(MemberName, member);
  return member;
}

/**
 * Only the member changes their own hours and calendars: the token says who calls. The dev open
 * team has no tokens (every request is "anonymous"), so there anyone may, as anyone may book there.
 */
function requireSelf(c: Context<AppEnv>, member: string): void {
  const caller = c.get("member");
  if (caller.member !== member && !inOpenTeam(c)) throw new ApiError(403, "not_your_member", `only ${member} may change ${member}'s availability and calendars (you are ${caller.member})`);
}

peopleRoutes.get("/members/:member/availability", documented(PEOPLE_OPERATIONS.getAvailability, async (c) => {
  const member = pathMember(c);
  const record = await availabilityOf(c).get(member);
  if (record === null) throw new ApiError(404, "not_found", `${member} has set no availability (any time counts as working time)`);
  return c.json(record);
}));

peopleRoutes.put("/members/:member/availability", documented(PEOPLE_OPERATIONS.setAvailability, async (c) => {
  const member = pathMember(c);
  requireSelf(c, member);
  const body = await readBody(c, AvailabilityWrite);
  const zone = canonicalZone(body.time_zone);
  if (zone === null) throw invalid([{ field: "time_zone", message: `${JSON.stringify(body.time_zone)} is not an IANA time zone (such as Europe/Berlin or UTC)` }]);
  await requireTeamMembers(c, [member], "member");
  return c.json(await availabilityOf(c).put(member, { time_zone: zone, weekly: body.weekly }, new Date().toISOString()));
}));

peopleRoutes.delete("/members/:member/availability", documented(PEOPLE_OPERATIONS.removeAvailability, async (c) => {
  const member = pathMember(c);
  requireSelf(c, member);
  if (!(await availabilityOf(c).delete(member))) throw new ApiError(404, "not_found", `${member} has set no availability`);
  return c.body(null, 204);
}));

const calendarsOf = (c: Context<AppEnv>) => new ExternalCalendars(mainStore(c.env), c.get("member").team);

// A member's external calendars: only they see them (an ICS address is a secret) or change them.
peopleRoutes.get("/members/:member/calendars", documented(PEOPLE_OPERATIONS.listExternalCalendars, async (c) => {
  const member = pathMember(c);
  requireSelf(c, member);
  return c.json({ calendars: await calendarsOf(c).list(member) });
}));

peopleRoutes.post("/members/:member/calendars", documented(PEOPLE_OPERATIONS.addExternalCalendar, async (c) => {
  const member = pathMember(c);
  requireSelf(c, member);
  const body = await readBody(c, ExternalCalendarWrite);
  // Calendar apps hand out webcal:// links; they are https.
  const url = body.url.replace(/^webcals?:\/\//i, "https://");
  const problem = endpointUrlProblem(url, configOf(c.env).production);
  if (problem !== null) throw invalid([{ field: "url", message: problem }]);
  await requireTeamMembers(c, [member], "member");
  const calendars = calendarsOf(c);
  if ((await calendars.list(member)).length >= MAX_EXTERNAL_CALENDARS) {
    throw new ApiError(409, "too_many_calendars", `${member} has ${MAX_EXTERNAL_CALENDARS} external calendars, the most; remove one first`);
  }
  const record = await calendars.add(member, url, new Date().toISOString());
  // Fetched at once, so the answer says whether the address works.
  const fetched = await calendars.refresh(record, configOf(c.env).production, Date.now());
  return c.json(fetched, 201, { Location: `/members/${member}/calendars/${record.id}` });
}));

peopleRoutes.post("/members/:member/calendars/:id/refresh", documented(PEOPLE_OPERATIONS.refreshExternalCalendar, async (c) => {
  const member = pathMember(c);
  requireSelf(c, member);
  const id = c.req.param("id") ?? "";
  const calendars = calendarsOf(c);
  const record = await calendars.get(member, id);
  if (record === null) throw noCalendar(member, id);
  return c.json(await calendars.refresh(record, configOf(c.env).production, Date.now()));
}));

peopleRoutes.delete("/members/:member/calendars/:id", documented(PEOPLE_OPERATIONS.removeExternalCalendar, async (c) => {
  const member = pathMember(c);
  requireSelf(c, member);
  const id = c.req.param("id") ?? "";
  if (!(await calendarsOf(c).remove(member, id))) throw noCalendar(member, id);
  return c.body(null, 204);
}));

function noCalendar(member: string, id: string): ApiError {
  return new ApiError(404, "not_found", `${member} has no external calendar ${id.slice(0, 64)}`);
}

peopleRoutes.get("/freebusy", documented(PEOPLE_OPERATIONS.freeBusy, async (c) => {
  const query = readQuery(c, FreeBusyQuery);
  const members = [...new Set(query.members.split(",").map((m) => m.trim()))];
  const problems = members.flatMap((m, i): FieldProblem[] => (MemberName.safeParse(m).success ? [] : [{ field: "members", message: `${JSON.stringify(m.slice(0, 64))} (name ${i + 1}) is not a member name` }]));
  if (members.length > MAX_PEOPLE_MEMBERS) problems.push({ field: "members", message: `must name at most ${MAX_PEOPLE_MEMBERS} members` });
  if (problems.length > 0) throw invalid(problems);
  const { from, to } = peopleWindow(query);
  await requireTeamMembers(c, members, "members");
  const { busy, working } = await peopleTimes(c, members, from, to);
  const answer: FreeBusy = { from: formatInstant(from), to: formatInstant(to), members: {} };
  members.forEach((member, i) => {
    answer.members[member] = { busy: busy[i]!.map(spanOf), working_hours: working[i] === null ? null : working[i]!.map(spanOf) };
  });
  return c.json(answer);
}));

peopleRoutes.post("/find-time", documented(PEOPLE_OPERATIONS.findTime, async (c) => {
  const body = await readBody(c, FindTimeRequest);
  const members = [...new Set(body.members)];
  const { from, to } = peopleWindow(body);
  const durationMs = body.duration_minutes * 60_000;
  if (to - from < durationMs) throw invalid([{ field: "to", message: `leaves less than duration_minutes (${body.duration_minutes}) after from` }]);
  await requireTeamMembers(c, members, "members");
  const sources = sourcesOf(c);
  const [{ busy, working }, roomBusy] = await Promise.all([peopleTimes(c, members, from, to), body.calendar === undefined ? undefined : calendarBusy(sources, body.calendar, from, to)]);
  const result = findSlots({
    from,
    to,
    durationMs,
    stepMs: FIND_TIME_STEP_MINUTES * 60_000,
    members: members.map((name, i) => ({ name, working: working[i]!, busy: busy[i]! })),
    roomBusy,
    required: requiredMembers(body.quorum ?? 1, members.length),
    limit: body.limit ?? DEFAULT_SLOTS,
  });
  const calendar = body.calendar ?? "team";
  const answer: FindTimeResult = {
    slots: result.slots.map((slot) => {
      const span = spanOf(slot);
      return { ...span, free: slot.free, busy: slot.busy, book: { calendar, ...span } };
    }),
    reason: result.reason === null ? null : { code: result.reason, message: REASON_TEXT[result.reason] },
  };
  return c.json(answer);
}));

const REASON_TEXT: Record<NoSlotReason, string> = {
  no_common_working_hours: "too few of these members work at one time for that long in this window; widen the window, shorten the meeting or lower the quorum",
  room_busy: "the members are free at times when the room is not; try another room, or a wider window",
  all_busy: "the members work together, but are busy whenever they do; widen the window, shorten the meeting or lower the quorum",
};

/** Each member's busy time and working time (null: no pattern, any time) in the window. */
async function peopleTimes(c: Context<AppEnv>, members: string[], from: number, to: number): Promise<{ busy: Interval[][]; working: Array<Interval[] | null> }> {
  const sources = sourcesOf(c);
  const [hours, busy] = await Promise.all([availabilityOf(c).getMany(members), Promise.all(members.map((m) => busyOf(sources, m, from, to)))]);
  return { busy, working: hours.map((h) => (h === null ? null : workingIntervals(h, from, to))) };
}

function peopleWindow(query: { from: string; to: string }): { from: number; to: number } {
  const from = instantMs(query.from);
  const to = instantMs(query.to);
  if (to <= from) throw invalid([{ field: "to", message: `must be after from (${formatInstant(from)})` }]);
  if (to - from > MAX_PEOPLE_WINDOW_DAYS * DAY_MS) throw invalid([{ field: "to", message: `must be at most ${MAX_PEOPLE_WINDOW_DAYS} days after from` }]);
  return { from, to };
}

/** Whether the caller is the dev open team's token-less "anonymous" (see worker/auth/open-team.ts). */
function inOpenTeam(c: Context<AppEnv>): boolean {
  const caller = c.get("member");
  return caller.member === "anonymous" && configOf(c.env).openTeam === caller.team;
}

/** 400 naming the field when a name is no member of the team (in the dev open team, where names need no tokens, anyone goes). */
async function requireTeamMembers(c: Context<AppEnv>, names: string[], field: string): Promise<void> {
  if (inOpenTeam(c)) return;
  const listed = await listMembers(mainStore(c.env), c.get("member").team);
  if (listed === null) return;
  const known = new Set(listed.map((m) => m.member));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) throw invalid([{ field, message: `${unknown.slice(0, 5).join(", ")} ${unknown.length === 1 ? "is" : "are"} not a member of this team` }]);
}

function spanOf(interval: Interval): { starts_at: string; ends_at: string } {
  return { starts_at: formatInstant(interval.start), ends_at: formatInstant(interval.end) };
}
