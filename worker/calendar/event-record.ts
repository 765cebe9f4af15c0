import { DEFAULT_CALENDAR, DEFAULT_EVENT_LENGTH_MS, MAX_EVENT_LENGTH_MS, type Event } from "../../shared/calendar.ts";
import { formatInstant, MAX_INSTANT_MS, parseInstant } from "../../shared/instant.ts";
import type { FieldProblem } from "../request.ts";
import { ExpansionTooLong, expandSeries, type Occurrence } from "./recurrence/expand.ts";
import { parseRecurrence } from "./recurrence/recurrence-lines.ts";
import { canonicalZone } from "./recurrence/zone-time.ts";
import { checkedUntil, plannedHorizon } from "./horizon.ts";

export interface EventFields {
  title: string;
  description?: string;
  calendar?: string;
  starts_at: string;
  ends_at?: string;
  /** IANA name; absent means UTC. */
  time_zone?: string;
  /** RFC 5545 lines (see recurrence/recurrence-lines.ts). */
  recurrence?: string[];
  /** Without ends_at: the length to keep (a PATCH that moves only starts_at), else the default 1 h. */
  keepLengthMs?: number;
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
  const end = fields.ends_at === undefined ? start + (fields.keepLengthMs ?? DEFAULT_EVENT_LENGTH_MS) : parseInstant(fields.ends_at);
  if (typeof end === "string") return [{ field: "ends_at", message: end }];
  // An end the client did not write may still fall past the last instant (a start late on 9999-12-31).
  if (fields.ends_at === undefined && end > MAX_INSTANT_MS) {
    const last = formatInstant(MAX_INSTANT_MS);
    if (fields.keepLengthMs === undefined) {
      return [{ field: "ends_at", message: `is required when starts_at is less than ${lengthText(DEFAULT_EVENT_LENGTH_MS)} before ${last} (the default length would end after it)` }];
    }
    return [{ field: "starts_at", message: `moves the end past ${last} (the event keeps its length of ${lengthText(fields.keepLengthMs)}); give ends_at too` }];
  }
  if (end <= start) return [{ field: "ends_at", message: `must be after starts_at (${formatInstant(start)})` }];
  if (end - start > MAX_EVENT_LENGTH_MS) {
    return [{ field: "ends_at", message: `makes the event ${Math.ceil((end - start) / 86_400_000)} days long; the most is ${MAX_EVENT_LENGTH_MS / 86_400_000} days` }];
  }
  const zone = fields.time_zone === undefined ? "UTC" : canonicalZone(fields.time_zone);
  if (zone === null) return [{ field: "time_zone", message: `${JSON.stringify(fields.time_zone!.slice(0, 64))} is not an IANA time zone (such as Europe/Berlin or UTC)` }];
  const isSeries = fields.recurrence !== undefined && fields.recurrence.length > 0;
  if (isSeries) {
    const problems = seriesProblems(fields.recurrence!, zone, start, end - start, plannedHorizon(parseInstant(meta.updated_at) as number));
    if (problems.length > 0) return problems;
  }
  const event: Event = {
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
  // Only an event given a zone carries one, so events without stay as they were (absent is UTC).
  const zoned: Event = fields.time_zone !== undefined ? { ...event, time_zone: zone } : event;
  return isSeries ? { ...zoned, recurrence: fields.recurrence } : zoned;
}

/**
 * The occurrences of a stored event: a series' whole expansion (a stored series with an end was
 * checked to expand within the bounds when written), or up to `until` (ms, exclusive, by
 * occurrence start) for one without an end (by default the horizon its last write set, see
 * horizon.ts); or the event's own interval.
 */
export function occurrencesOf(event: Event, until: number | undefined = checkedUntil(event)): Occurrence[] {
  const start = parseInstant(event.starts_at) as number;
  const end = parseInstant(event.ends_at) as number;
  if (event.recurrence === undefined) return [{ start, end }];
  const zone = event.time_zone ?? "UTC";
  const recurrence = parseRecurrence(event.recurrence, zone);
  if (Array.isArray(recurrence)) throw new Error(`stored series ${event.id} has invalid recurrence: ${recurrence[0]?.message}`);
  const to = until === undefined ? MAX_INSTANT_MS : Math.min(until, MAX_INSTANT_MS);
  return expandSeries({ start, durationMs: end - start, zone, recurrence }, { from: start, to }, MAX_OPEN_SERIES_OCCURRENCES).occurrences;
}

/** The occurrences of a series that start in [from, to) (at most MAX_OPEN_SERIES_OCCURRENCES). */
export function occurrencesIn(event: Event, from: number, to: number): Occurrence[] {
  const start = parseInstant(event.starts_at) as number;
  const end = parseInstant(event.ends_at) as number;
  const zone = event.time_zone ?? "UTC";
  const recurrence = parseRecurrence(event.recurrence ?? [], zone);
  if (Array.isArray(recurrence)) throw new Error(`stored series ${event.id} has invalid recurrence: ${recurrence[0]?.message}`);
  const window = { from: from + end - start - 1, to };
  return expandSeries({ start, durationMs: end - start, zone, recurrence }, window, MAX_OPEN_SERIES_OCCURRENCES).occurrences.filter((o) => o.start >= from);
}

/** The most occurrences a finite series may have (COUNT, UNTIL and RDATE together). */
export const MAX_OCCURRENCES_PER_SERIES = 1000;
/**
 * The most occurrences a series without an end may have materialised, from its first up to the
 * horizon its write sets: a daily one starts with about 765 and reaches this after about 11 years.
 */
export const MAX_OPEN_SERIES_OCCURRENCES = 5000;

/**
 * What is wrong with a series: its lines, a rule that finds no occurrence after DTSTART within
 * the expansion's step bound, too many occurrences, or occurrences that overlap each other (a
 * calendar's entries never overlap; the conflict check relies on it). A series without an end is
 * checked up to `horizon` (the one its write sets; see horizon.ts): that is what is stored.
 */
function seriesProblems(lines: string[], zone: string, start: number, durationMs: number, horizon: number): FieldProblem[] {
  const recurrence = parseRecurrence(lines, zone);
  if (Array.isArray(recurrence)) return recurrence;
  const series = { start, durationMs, zone, recurrence };
  try {
    expandSeries(series, { from: start, to: MAX_INSTANT_MS }, 2);
  } catch (error) {
    if (!(error instanceof ExpansionTooLong)) throw error;
    return [{ field: "recurrence", message: `the rule finds no occurrence after starts_at: ${error.message}` }];
  }
  // A series with an end is expanded whole (to check every occurrence, and list any window), so it must end within the bounds.
  const rule = recurrence.rule;
  const open = rule !== null && rule.count === undefined && rule.until === undefined;
  const to = open ? horizon : MAX_INSTANT_MS;
  if (open && start >= horizon) {
    return [{ field: "starts_at", message: `starts after ${formatInstant(horizon)}, as far ahead as a series without an end is materialised (about two years); start it sooner, or give COUNT or UNTIL` }];
  }
  let whole: Occurrence[];
  try {
    const expansion = expandSeries(series, { from: start, to }, open ? MAX_OPEN_SERIES_OCCURRENCES : MAX_OCCURRENCES_PER_SERIES);
    if (expansion.more) {
      if (open) return [{ field: "recurrence", message: `has no end and makes more than ${MAX_OPEN_SERIES_OCCURRENCES} occurrences before its horizon (${formatInstant(horizon)}, about two years ahead); start it later, space it out, or give COUNT or UNTIL` }];
      return [{ field: "recurrence", message: `makes more than ${MAX_OCCURRENCES_PER_SERIES} occurrences; end it sooner (an earlier UNTIL, or COUNT)` }];
    }
    whole = expansion.occurrences;
  } catch (error) {
    if (!(error instanceof ExpansionTooLong)) throw error;
    return [{ field: "recurrence", message: `takes too long to reach its end (${error.message}); end it sooner (an earlier UNTIL, or a smaller COUNT)` }];
  }
  for (let i = 1; i < whole.length; i++) {
    if (whole[i]!.start < whole[i - 1]!.end) {
      return [{ field: "recurrence", message: `makes occurrences that overlap each other (${formatInstant(whole[i - 1]!.start)} and ${formatInstant(whole[i]!.start)}); shorten the event or space the occurrences out` }];
    }
  }
  return [];
}

/**
 * PATCH: the current event with the named fields replaced. Moving only `starts_at` keeps the
 * event's length (the meeting moves; it does not shrink or vanish), as calendar apps do.
 */
export function patchedEventFields(current: Event, patch: Partial<EventFields>): EventFields {
  const fields: EventFields = {
    title: patch.title ?? current.title,
    description: patch.description ?? current.description,
    calendar: patch.calendar ?? current.calendar,
    starts_at: patch.starts_at ?? current.starts_at,
    ends_at: patch.ends_at ?? current.ends_at,
    time_zone: patch.time_zone ?? current.time_zone,
    // A series stays one unless the patch gives other lines ([] makes it a single event).
    recurrence: patch.recurrence ?? current.recurrence,
  };
  if (fields.time_zone === undefined) delete fields.time_zone;
  if (fields.recurrence === undefined) delete fields.recurrence;
  if (patch.starts_at !== undefined && patch.ends_at === undefined) {
    // buildEvent computes the end, and says so if it would fall past the last instant.
    fields.ends_at = undefined;
    fields.keepLengthMs = (parseInstant(current.ends_at) as number) - (parseInstant(current.starts_at) as number);
  }
  return fields;
}

/** A length as people say it: "1 h", "45 min", "2 d 3 h", "1 h 30 min", "90 s". */
function lengthText(ms: number): string {
  const units: Array<[number, string]> = [[86_400_000, "d"], [3_600_000, "h"], [60_000, "min"], [1000, "s"], [1, "ms"]];
  const parts: string[] = [];
  let rest = ms;
  for (const [size, name] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(" ") || "0 ms";
}
