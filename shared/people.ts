import { z } from "zod";
import { CalendarName, TimeZoneName } from "./calendar.ts";
import { InstantText } from "./fields.ts";
import { MemberName } from "./teams.ts";

/**
 * People (issue #17): each member's working hours, free/busy time, and finding a time that suits
 * several members. A member's busy time is the events on their personal calendar (see
 * personalCalendar) and their external calendars' events; attendees will add a third source.
 */

/** RFC 5545's day names, as BYDAY writes them. */
export const Weekday = z.enum(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]);
export type Weekday = z.infer<typeof Weekday>;

export const ClockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, { error: 'must be a wall-clock time "HH:MM" (00:00 to 24:00)' });

/** One period of a weekly pattern, like an AVAILABLE component of RFC 7953's VAVAILABILITY. */
export const WorkingPeriod = z.strictObject({
  days: z.array(Weekday).min(1, { error: "must name at least one day" }).max(7),
  start: ClockTime,
  end: ClockTime.meta({ description: "After start, on the same day (24:00 is midnight at its end); a night shift is two periods." }),
});

export const MAX_WORKING_PERIODS = 50;

/** PUT /members/{member}/availability. */
export const AvailabilityWrite = z
  .strictObject({
    time_zone: TimeZoneName,
    weekly: z.array(WorkingPeriod).max(MAX_WORKING_PERIODS, { error: `must have at most ${MAX_WORKING_PERIODS} periods` }),
  })
  .superRefine((value, ctx) => {
    value.weekly.forEach((period, i) => {
      if (period.end <= period.start) ctx.addIssue({ code: "custom", path: ["weekly", i, "end"], message: `must be after start (${period.start})` });
    });
  })
  .meta({ example: { time_zone: "Europe/Berlin", weekly: [{ days: ["MO", "TU", "WE", "TH", "FR"], start: "09:00", end: "17:00" }] } });
export type AvailabilityWrite = z.infer<typeof AvailabilityWrite>;

/** A weekly pattern on a zone's wall clock. */
export type WeeklyHours = { time_zone: string; weekly: Array<z.infer<typeof WorkingPeriod>> };

export const Availability = z.object({
  member: z.string(),
  time_zone: z.string().meta({ description: "Canonical IANA name." }),
  weekly: z.array(WorkingPeriod),
  updated_at: z.string().meta({ format: "date-time" }),
  version: z.number().int(),
});
export type Availability = z.infer<typeof Availability>;

/** The longest window free/busy and find-time look at. */
export const MAX_PEOPLE_WINDOW_DAYS = 100;
export const MAX_PEOPLE_MEMBERS = 50;

export const FreeBusyQuery = z.strictObject({
  members: z.string().meta({ description: `Comma-separated member names (at most ${MAX_PEOPLE_MEMBERS}).`, example: "ana,bo" }),
  from: InstantText,
  to: InstantText.meta({ description: `At most ${MAX_PEOPLE_WINDOW_DAYS} days after from.` }),
});

const Span = z.object({ starts_at: z.string().meta({ format: "date-time" }), ends_at: z.string().meta({ format: "date-time" }) });

export const FreeBusy = z.object({
  from: z.string(),
  to: z.string(),
  members: z.record(
    z.string(),
    z.object({
      busy: z.array(Span).meta({ description: "Merged busy time inside the window: personal calendar and external calendars. No titles." }),
      working_hours: z.array(Span).nullable().meta({ description: "Working time inside the window; null when the member has set no availability (any time counts)." }),
    }),
  ),
});
export type FreeBusy = z.infer<typeof FreeBusy>;

export const MAX_FIND_TIME_SLOTS = 50;
/** Slots start on this grid (UTC quarter hours, which are quarter hours on every zone's wall clock today). */
export const FIND_TIME_STEP_MINUTES = 15;

export const FindTimeRequest = z.strictObject({
  members: z.array(MemberName).min(1, { error: "must name at least one member" }).max(MAX_PEOPLE_MEMBERS, { error: `must name at most ${MAX_PEOPLE_MEMBERS} members` }),
  duration_minutes: z.number().int({ error: "must be a whole number of minutes" }).min(5, { error: "must be at least 5" }).max(1440, { error: "must be at most 1440 (a day)" }),
  from: InstantText,
  to: InstantText.meta({ description: `At most ${MAX_PEOPLE_WINDOW_DAYS} days after from.` }),
  calendar: CalendarName.optional().meta({ description: "A room (any calendar) that must be free too; a found slot is booked there." }),
  quorum: z.number().gt(0, { error: "must be more than 0" }).max(1, { error: "must be at most 1" }).optional().meta({ description: "Share of members who must be free (default 1: all)." }),
  limit: z.number().int().min(1, { error: "must be 1 or more" }).max(MAX_FIND_TIME_SLOTS, { error: `must be at most ${MAX_FIND_TIME_SLOTS}` }).optional().meta({ description: "How many slots (default 5)." }),
});
export type FindTimeRequest = z.infer<typeof FindTimeRequest>;

export const NO_SLOT_REASONS = ["no_common_working_hours", "room_busy", "all_busy"] as const;
export type NoSlotReason = (typeof NO_SLOT_REASONS)[number];

export const FindTimeResult = z.object({
  slots: z.array(
    Span.extend({
      free: z.array(z.string()).meta({ description: "Members free for the whole slot (in the order asked)." }),
      busy: z.array(z.string()).meta({ description: "Members not free then (busy, or outside their working hours)." }),
      book: z.object({ calendar: z.string(), starts_at: z.string(), ends_at: z.string() }).meta({ description: "POST this (with a title) to /events to book the slot; conflict-checked like any booking." }),
    }),
  ),
  reason: z
    .object({ code: z.enum(NO_SLOT_REASONS), message: z.string() })
    .nullable()
    .meta({ description: "When no slot fits: no_common_working_hours (too few members work at one time for that long), room_busy (members are free but the room is not), all_busy (they work together, but are busy then)." }),
});
export type FindTimeResult = z.infer<typeof FindTimeResult>;

/**
 * A member's personal calendar: events there are their busy time (calendar names take '.', not
 * ':'). A name longer than 57 characters has none (calendar names end at 64).
 */
export function personalCalendar(member: string): string | null {
  const name = `member.${member}`;
  return name.length <= 64 ? name : null;
}

/** External calendars (by ICS URL) a member may add. */
export const MAX_EXTERNAL_CALENDARS = 5;
export const MAX_EXTERNAL_URL_LENGTH = 2048;

/** POST /members/{member}/calendars. */
export const ExternalCalendarWrite = z.strictObject({
  url: z
    .string()
    .min(1, { error: "must not be empty" })
    .max(MAX_EXTERNAL_URL_LENGTH, { error: `must be at most ${MAX_EXTERNAL_URL_LENGTH} characters` })
    .meta({ description: "The calendar's ICS address (https, http; webcal:// is read as https://), such as Google Calendar's secret address.", example: "https://calendar.google.com/calendar/ical/.../basic.ics" }),
});

export const ExternalFetch = z.object({
  at: z.string().meta({ format: "date-time" }),
  outcome: z.enum(["fetched", "not_modified", "failed"]).meta({ description: "not_modified: the server answered 304 to our ETag; failed: the busy time from the last good fetch stays." }),
  error: z.string().optional(),
  events: z.number().int().optional().meta({ description: "Busy events read (a recurring one once)." }),
  skipped: z.number().int().optional().meta({ description: "Events left out as unreadable (or a rule we do not expand: then only its first occurrence counts)." }),
  busy_intervals: z.number().int().optional(),
});

export const ExternalCalendar = z.object({
  id: z.string(),
  member: z.string(),
  url: z.string().meta({ description: "Shown to its member only: such an address is a secret." }),
  created_at: z.string().meta({ format: "date-time" }),
  etag: z.string().nullable(),
  last_fetch: ExternalFetch.nullable(),
});
export type ExternalCalendar = z.infer<typeof ExternalCalendar>;
