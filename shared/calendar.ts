import { z } from "zod";
import { Description, InstantText, ResourceId, serverManagedFields, Title, Version } from "./fields.ts";

/** When a booking has no ends_at (as in the original README), it lasts this long. */
export const DEFAULT_EVENT_LENGTH_MS = 60 * 60 * 1000;
/** Longer bookings are refused as mistakes (a year-long "meeting" blocks the calendar). */
export const MAX_EVENT_LENGTH_MS = 31 * 24 * 60 * 60 * 1000;
/** The calendar an event goes on when it names none: the team's shared calendar. */
export const DEFAULT_CALENDAR = "team";

export const CalendarName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, { error: "must be 1-64 letters, digits, '-', '_' or '.'" });

/** POST /events and PUT /events/{id}. */
export const EventWrite = z.strictObject({
  id: ResourceId.optional().meta({ description: "Generated when absent (POST only)." }),
  title: Title,
  description: Description.optional(),
  calendar: CalendarName.optional().meta({ description: `Defaults to "${DEFAULT_CALENDAR}", the team's calendar.` }),
  starts_at: InstantText,
  ends_at: InstantText.optional().meta({ description: "Defaults to starts_at + 1 h." }),
  ...serverManagedFields,
});
export type EventWrite = z.infer<typeof EventWrite>;

/** PATCH /events/{id}: any subset of the writable fields. */
export const EventPatch = EventWrite.omit({ id: true }).partial().extend({ title: Title.optional(), starts_at: InstantText.optional() });
export type EventPatch = z.infer<typeof EventPatch>;

export const Event = z.object({
  id: ResourceId,
  title: z.string(),
  description: z.string(),
  calendar: z.string(),
  starts_at: z.string().meta({ format: "date-time" }),
  ends_at: z.string().meta({ format: "date-time" }),
  created_by: z.string(),
  created_at: z.string().meta({ format: "date-time" }),
  updated_at: z.string().meta({ format: "date-time" }),
  version: Version,
});
export type Event = z.infer<typeof Event>;

export const EventListQuery = z.strictObject({
  from: InstantText.optional().meta({ description: "Only events that end after this instant." }),
  to: InstantText.optional().meta({ description: "Only events that start before this instant." }),
  calendar: CalendarName.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional().meta({ description: "next_cursor from the previous page." }),
});

export const EventList = z.object({
  events: z.array(Event),
  next_cursor: z.string().nullable(),
});
export type EventList = z.infer<typeof EventList>;

/** Details of a 409 time_slot_taken: the events (or holds) the booking collides with. */
export const SlotConflict = z.object({
  conflicts: z.array(z.object({ id: z.string(), title: z.string().optional(), starts_at: z.string(), ends_at: z.string() })),
});
