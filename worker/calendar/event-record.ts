import { DEFAULT_CALENDAR, DEFAULT_EVENT_LENGTH_MS, MAX_EVENT_LENGTH_MS, type Event } from "../../shared/calendar.ts";
import { formatInstant, parseInstant } from "../../shared/instant.ts";
import type { FieldProblem } from "../request.ts";

export interface EventFields {
  title: string;
  description?: string;
  calendar?: string;
  starts_at: string;
  ends_at?: string;
}

export interface EventMeta {
  id: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

/**
 * The stored form of an event: instants normalised to UTC, the default length applied, and the
 * interval rules checked (ends after it starts, lasts at most 31 days). Pure, so the rules are
 * tested without Redis.
 */
export function buildEvent(fields: EventFields, meta: EventMeta): Event | FieldProblem[] {
  const start = parseInstant(fields.starts_at);
  if (typeof start === "string") return [{ field: "starts_at", message: start }];
  const end = fields.ends_at === undefined ? start + DEFAULT_EVENT_LENGTH_MS : parseInstant(fields.ends_at);
  if (typeof end === "string") return [{ field: "ends_at", message: end }];
  if (end <= start) return [{ field: "ends_at", message: `must be after starts_at (${formatInstant(start)})` }];
  if (end - start > MAX_EVENT_LENGTH_MS) {
    return [{ field: "ends_at", message: `makes the event ${Math.ceil((end - start) / 86_400_000)} days long; the most is ${MAX_EVENT_LENGTH_MS / 86_400_000} days` }];
  }
  return {
    id: meta.id,
    title: fields.title,
    description: fields.description ?? "",
    calendar: fields.calendar ?? DEFAULT_CALENDAR,
    starts_at: formatInstant(start),
    ends_at: formatInstant(end),
    created_by: meta.created_by,
    created_at: meta.created_at,
    updated_at: meta.updated_at,
    version: meta.version,
  };
}

/**
 * PATCH: the current event with the named fields replaced. Moving only `starts_at` keeps the
 * event's length (the meeting moves; it does not shrink or vanish), as calendar apps do.
 */
export function patchedEventFields(current: Event, patch: Partial<EventFields>): EventFields {
  let endsAt = patch.ends_at ?? current.ends_at;
  if (patch.starts_at !== undefined && patch.ends_at === undefined) {
    const newStart = parseInstant(patch.starts_at);
    const length = (parseInstant(current.ends_at) as number) - (parseInstant(current.starts_at) as number);
    if (typeof newStart === "number") endsAt = formatInstant(newStart + length);
  }
  return {
    title: patch.title ?? current.title,
    description: patch.description ?? current.description,
    calendar: patch.calendar ?? current.calendar,
    starts_at: patch.starts_at ?? current.starts_at,
    ends_at: endsAt,
  };
}
