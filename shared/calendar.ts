import { z } from "zod";
import { Description, freeText, NAME_OF_LETTERS_AND_DIGITS, nameField, InstantText, PageCursor, PageLimit, readOnly, ResourceId, serverManagedFields, Title, Version } from "./fields.ts";

/** When a booking has no ends_at (as in the original README), it lasts this long. */
export const DEFAULT_EVENT_LENGTH_MS = 60 * 60 * 1000;
/** Longer bookings are refused as mistakes (a year-long "meeting" blocks the calendar). */
export const MAX_EVENT_LENGTH_MS = 31 * 24 * 60 * 60 * 1000;
/** The calendar an event goes on when it names none: the team's shared calendar. */
export const DEFAULT_CALENDAR = "team";

export const CalendarName = nameField(NAME_OF_LETTERS_AND_DIGITS);

/** Bounds on `recurrence` the schema keeps; the lines' meaning is checked by the worker (worker/calendar/recurrence). */
export const MAX_RECURRENCE_LINES = 100;
export const MAX_RECURRENCE_LINE_LENGTH = 2000;

/** An IANA time zone name; whether the zone exists is checked by the worker. */
export const TimeZoneName = freeText(z.string().min(1, { error: "must not be empty" }).max(64, { error: "must be at most 64 characters" })).meta({
  description: 'IANA time zone, such as "Europe/Berlin". Defaults to UTC. A series is expanded on this wall clock (09:00 stays 09:00 across DST).',
  example: "Europe/Berlin",
});

/** RFC 5545 lines as Google Calendar's API takes them. */
export const RecurrenceLines = z
  .array(freeText(z.string().max(MAX_RECURRENCE_LINE_LENGTH, { error: `must be at most ${MAX_RECURRENCE_LINE_LENGTH} characters` })))
  .max(MAX_RECURRENCE_LINES, { error: `must have at most ${MAX_RECURRENCE_LINES} lines` })
  .meta({
    description:
      "RFC 5545 lines: one RRULE (FREQ DAILY, WEEKLY, MONTHLY or YEARLY; INTERVAL, BYDAY such as MO or 2TU or -1FR, BYMONTHDAY, BYMONTH, WKST, COUNT or UNTIL), EXDATE and RDATE lines. Checked and refused with 400 naming the line and part. A series with an end has at most 1000 occurrences; one without (no COUNT or UNTIL) is materialised up to its calendar's horizon, about two years ahead, which the scheduled sweep moves on; bookings on that calendar may not end after it (409 beyond_series_horizon). Every materialised occurrence is conflict-checked with the write.",
    example: ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10", "EXDATE;TZID=Europe/Berlin:20260112T090000"],
  });

/** POST /events and PUT /events/{id}. */
export const EventWrite = z.strictObject({
  id: ResourceId.optional().meta({ description: "Generated when absent (POST only)." }),
  title: Title,
  description: Description.optional(),
  calendar: CalendarName.optional().meta({ description: `Defaults to "${DEFAULT_CALENDAR}", the team's calendar.` }),
  starts_at: InstantText.meta({ example: "2026-01-15T14:00:00Z" }),
  ends_at: InstantText.optional().meta({ description: "Defaults to starts_at + 1 h.", example: "2026-01-15T15:00:00Z" }),
  time_zone: TimeZoneName.optional(),
  recurrence: RecurrenceLines.optional(),
  ...serverManagedFields,
  // As read back: ignored (a rewrite keeps the overrides of occurrences the series still has).
  overrides: z.unknown().optional().meta({ description: "Ignored: occurrences change through /events/{id}/occurrences/{occurrence_start}." }),
});
export type EventWrite = z.infer<typeof EventWrite>;

/** PATCH /events/{id}: any subset of the writable fields. */
export const EventPatch = EventWrite.omit({ id: true })
  .partial()
  .extend({
    title: Title.optional(),
    starts_at: InstantText.optional(),
    from_occurrence: InstantText.optional().meta({
      description:
        "This and following: splits the series at this occurrence (its occurrence_start). The series ends before it (UNTIL); a new series with a new id starts there with the patch applied; both in one atomic step. At the first occurrence, the patch applies to the whole series.",
    }),
  });
export type EventPatch = z.infer<typeof EventPatch>;

/** PATCH /events/{id}/occurrences/{occurrence_start}: what one occurrence of a series changes (an override). */
export const OccurrencePatch = z.strictObject({
  title: Title.optional(),
  description: Description.optional(),
  starts_at: InstantText.optional().meta({ description: "Moves this occurrence (alone: it keeps its length). Its occurrence_start stays what the series defines." }),
  ends_at: InstantText.optional(),
  ...serverManagedFields,
});
export type OccurrencePatch = z.infer<typeof OccurrencePatch>;

/** One occurrence of a series changed on its own (RECURRENCE-ID): the fields it has instead of the series'. */
export const OccurrenceOverride = z.object({
  occurrence_start: z.string().meta({ format: "date-time", description: "The occurrence's start as the series defines it: its identity." }),
  title: z.string().optional(),
  description: z.string().optional(),
  starts_at: z.string().optional().meta({ format: "date-time", description: "Present (with ends_at) when the occurrence was moved." }),
  ends_at: z.string().optional().meta({ format: "date-time" }),
});
export type OccurrenceOverride = z.infer<typeof OccurrenceOverride>;

export const Event = z.object({
  id: ResourceId,
  title: z.string(),
  description: z.string(),
  calendar: z.string(),
  starts_at: z.string().meta({ format: "date-time", example: "2026-01-15T14:00:00Z" }),
  ends_at: z.string().meta({ format: "date-time", example: "2026-01-15T15:00:00Z" }),
  time_zone: z.string().optional().meta({ description: "Present when the event was given one (its canonical IANA name); absent means UTC." }),
  recurrence: z.array(z.string()).optional().meta({ description: "Present on a series: its RFC 5545 lines. starts_at/ends_at are its first occurrence." }),
  series_id: ResourceId.optional().meta({ description: "In a listing, on each occurrence of a series: the series' id (equal to id)." }),
  occurrence_start: z.string().optional().meta({ format: "date-time", description: "In a listing, on each occurrence of a series: the occurrence's start as the series defines it (RECURRENCE-ID)." }),
  overrides: z.array(OccurrenceOverride).optional().meta({ description: "On a series: the occurrences changed on their own, by occurrence_start. A listing shows each with its changes." }),
  created_by: readOnly(z.string()),
  created_at: readOnly(z.string().meta({ format: "date-time" })),
  updated_at: readOnly(z.string().meta({ format: "date-time" })),
  version: readOnly(Version),
});
export type Event = z.infer<typeof Event>;

export const EventListQuery = z.strictObject({
  from: InstantText.optional().meta({ description: "Only events that end after this instant." }),
  to: InstantText.optional().meta({ description: "Only events that start before this instant." }),
  calendar: CalendarName.optional(),
  limit: PageLimit,
  cursor: PageCursor,
});

export const EventList = z.object({
  events: z.array(Event),
  next_cursor: z.string().nullable(),
});
export type EventList = z.infer<typeof EventList>;

/** Details of a 409 time_slot_taken: the events (or holds) the booking collides with. */
export const SlotConflict = z.object({
  conflicts: z.array(
    z.object({
      id: z.string(),
      title: z.string().optional(),
      starts_at: z.string(),
      ends_at: z.string(),
      series_id: z.string().optional().meta({ description: "When the entry is an occurrence of a series: the series (starts_at/ends_at are the occurrence's)." }),
      occurrence_start: z.string().optional(),
      booking_occurrence: z.string().optional().meta({ description: "When the booking is a series: the start of its occurrence that collides." }),
    }),
  ),
});

/** GET /holds: the same window, calendar and paging rules as GET /events. */
export const HoldListQuery = EventListQuery.extend({
  from: InstantText.optional().meta({ description: "Only holds that end after this instant." }),
  to: InstantText.optional().meta({ description: "Only holds that start before this instant." }),
});

/**
 * A slot an open transaction holds: busy time, with nothing of what is being booked (no title,
 * no event id, no transaction id, not even the member's own: other members must not learn who
 * books what, and the member who opened the transaction has its id from POST /tx).
 */
export const Hold = z.object({
  calendar: z.string(),
  starts_at: z.string().meta({ format: "date-time", example: "2026-01-15T14:00:00Z" }),
  ends_at: z.string().meta({ format: "date-time", example: "2026-01-15T15:00:00Z" }),
  tx_expires_at: z.string().optional().meta({ format: "date-time", description: "When the holding transaction's lease ends: unless it commits first, the slot is free then." }),
});
export type Hold = z.infer<typeof Hold>;

export const HoldList = z.object({
  holds: z.array(Hold),
  next_cursor: z.string().nullable(),
});
export type HoldList = z.infer<typeof HoldList>;
