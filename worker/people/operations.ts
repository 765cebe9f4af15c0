import { z } from "zod";
import {
  Availability,
  AvailabilityWrite,
  ExternalCalendar,
  ExternalCalendarWrite,
  FIND_TIME_STEP_MINUTES,
  FindTimeRequest,
  FindTimeResult,
  FreeBusy,
  FreeBusyQuery,
  MAX_EXTERNAL_CALENDARS,
  MAX_PEOPLE_MEMBERS,
  MAX_PEOPLE_WINDOW_DAYS,
} from "../../shared/people.ts";
import { MemberName } from "../../shared/teams.ts";
import type { ApiOperation, ApiParam } from "../api-doc.ts";

/** What each people route is, for the OpenAPI document (worker/api-doc.ts); the handlers are in routes.ts. */

export const ExternalCalendarList = z.object({ calendars: z.array(ExternalCalendar).meta({ description: "Oldest first, each with how its last fetch went." }) });

const MEMBER: Record<string, ApiParam> = { member: { description: "The member's name", schema: MemberName, example: "ana" } };
const SELF: Record<string, ApiParam> = { member: { description: "The member's name: yours (in the dev open team, anyone's)", schema: MemberName, example: "ana" } };
const CALENDAR: Record<string, ApiParam> = { ...SELF, id: { description: "The external calendar's id (cal_...)", schema: z.string(), example: "cal_0123456789abcdef" } };
const NOT_SELF = { description: "Another member's: only they may", codes: ["not_your_member"] };
const WINDOW = `from and to are RFC 3339 instants, to after from and at most ${MAX_PEOPLE_WINDOW_DAYS} days later; members must be on the team (at most ${MAX_PEOPLE_MEMBERS}), else 400 naming the field.`;

const people = (op: Omit<ApiOperation, "tag" | "auth">): ApiOperation => ({ ...op, tag: "people", auth: "member" });
// Every write a member makes is counted against the writes rate limit (worker/limits/request-limits.ts).
const write = (op: Omit<ApiOperation, "tag" | "auth" | "countsAsWrite" | "store">): ApiOperation => people({ ...op, countsAsWrite: true, store: "write" });

export const PEOPLE_OPERATIONS = {
  getAvailability: people({
    operationId: "getAvailability",
    summary: "A member's working hours",
    description: "A weekly pattern on the wall clock of their time zone (like RFC 7953 VAVAILABILITY). Any member of the team may read it; 404 when the member has set none (then any time counts as working time).",
    params: MEMBER,
    store: "read",
    responses: { 200: { description: "The hours", json: Availability }, 404: { description: "The member has set no working hours", codes: ["not_found"] } },
  }),
  setAvailability: write({
    operationId: "setAvailability",
    summary: "Set your working hours",
    description: "Replaces the whole pattern. Only the member may (anyone in the dev open team); time_zone must be an IANA name (it is answered in its canonical form), else 400 naming time_zone.",
    params: SELF,
    body: { schema: AvailabilityWrite, required: true, example: { time_zone: "Europe/Berlin", weekly: [{ days: ["MO", "TU", "WE", "TH", "FR"], start: "09:00", end: "17:00" }] } },
    responses: { 200: { description: "Stored", json: Availability }, 403: NOT_SELF },
  }),
  removeAvailability: write({
    operationId: "removeAvailability",
    summary: "Remove your working hours",
    description: "Any time counts as working time again. Only the member may (anyone in the dev open team).",
    params: SELF,
    responses: { 204: { description: "Removed" }, 403: NOT_SELF, 404: { description: "The member has set no working hours", codes: ["not_found"] } },
  }),
  listExternalCalendars: people({
    operationId: "listExternalCalendars",
    summary: "Your external calendars",
    description: "Each with its last fetch. Their addresses are secrets, so only the member sees them (anyone in the dev open team).",
    params: SELF,
    store: "read",
    responses: { 200: { description: "The calendars", json: ExternalCalendarList }, 403: NOT_SELF },
  }),
  addExternalCalendar: write({
    operationId: "addExternalCalendar",
    summary: "Add an external calendar by its ICS address",
    description: `At most ${MAX_EXTERNAL_CALENDARS} per member (409 too_many_calendars). Fetched at once, so last_fetch in the answer says whether the address works, then every 15 minutes by the cron (10 s timeout, 2 MiB cap, ETag-aware; in production no loopback or private address, as for webhooks). Its events, recurring ones expanded, are the member's busy time.`,
    params: SELF,
    body: { schema: ExternalCalendarWrite, required: true, example: { url: "https://calendar.example.org/ana/basic.ics" } },
    responses: {
      201: { description: "Added; last_fetch says how the first fetch went", json: ExternalCalendar, headers: ["Location"] },
      403: NOT_SELF,
      409: { description: `The member has ${MAX_EXTERNAL_CALENDARS} external calendars`, codes: ["too_many_calendars"] },
    },
  }),
  refreshExternalCalendar: write({
    operationId: "refreshExternalCalendar",
    summary: "Fetch an external calendar now",
    description: "With its ETag: a 304 from its server keeps what was read, and a failed fetch keeps the busy time of the last good one (last_fetch says which).",
    params: CALENDAR,
    responses: { 200: { description: "Fetched; see last_fetch", json: ExternalCalendar }, 403: NOT_SELF, 404: { description: "The member has no external calendar with this id", codes: ["not_found"] } },
  }),
  removeExternalCalendar: write({
    operationId: "removeExternalCalendar",
    summary: "Remove an external calendar",
    description: "And the busy time read from it.",
    params: CALENDAR,
    responses: { 204: { description: "Removed" }, 403: NOT_SELF, 404: { description: "The member has no external calendar with this id", codes: ["not_found"] } },
  }),
  freeBusy: people({
    operationId: "getFreeBusy",
    summary: "Busy and working time per member in a window",
    description: `Merged busy time (their personal calendar member.<name> and their external calendars; never titles) and working time, inside the window. ${WINDOW}`,
    query: FreeBusyQuery,
    store: "read",
    responses: { 200: { description: "Busy and working time per member", json: FreeBusy } },
  }),
  findTime: people({
    operationId: "findTime",
    summary: "Find the earliest times the members can meet",
    description: `Slots on a ${FIND_TIME_STEP_MINUTES}-minute grid, one after another, where at least the quorum of members is inside working hours and not busy, and the room (calendar) is free; each names who is free and the body that books it with POST /events. No slot: a machine-readable reason. ${WINDOW} Reads only, but as a POST it counts as a write.`,
    body: { schema: FindTimeRequest, required: true, example: { members: ["ana"], duration_minutes: 30, from: "2026-03-02T08:00:00Z", to: "2026-03-06T18:00:00Z" } },
    countsAsWrite: true,
    store: "read",
    responses: { 200: { description: "Slots, or none and the reason", json: FindTimeResult } },
  }),
} satisfies Record<string, ApiOperation>;
