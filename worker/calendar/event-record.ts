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
