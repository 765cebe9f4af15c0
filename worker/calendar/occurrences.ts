import { MAX_RECURRENCE_LINE_LENGTH, type Event, type OccurrenceOverride, type OccurrencePatch } from "../../shared/calendar.ts";
import { formatInstant, parseInstant } from "../../shared/instant.ts";
import type { FieldProblem } from "../request.ts";
import { buildEvent, occurrencesIn, occurrencesOf, patchedEventFields } from "./event-record.ts";
import { checkedUntil } from "./horizon.ts";

/**
 * One occurrence of a series changed or cancelled on its own (RFC 5545 RECURRENCE-ID, Google
 * Calendar's "this event"). An occurrence is known by the start the series gives it
 * (occurrence_start), which never changes, even when the occurrence is moved. A change is an
 * override kept in the series' record (so the series' version covers it, and one write rewrites
 * the series with it, conflict-checked as any booking); a cancellation is an EXDATE line.
 * Pure: the routes read and write the series through the store.
 */

/** An occurrence of a series as the calendar holds it: its identity, and its interval after any override. */
export interface SeriesEntry {
  occurrenceStart: number;
  start: number;
  end: number;
}

/** The series' overrides by occurrence start (ms), made once per stored record (a listing asks for each occurrence). */
const indexes = new WeakMap<Event, Map<number, OccurrenceOverride>>();
function overridesOf(series: Event): Map<number, OccurrenceOverride> {
  let index = indexes.get(series);
  if (index === undefined) {
    index = new Map((series.overrides ?? []).map((o) => [parseInstant(o.occurrence_start) as number, o]));
    indexes.set(series, index);
  }
  return index;
}

/** Every occurrence of a series (none cancelled; one without an end: up to `until`, see horizon.ts), each at its overridden interval where it has one, sorted by start. */
export function seriesEntries(series: Event, until?: number): SeriesEntry[] {
  const overrides = overridesOf(series);
  const entries = occurrencesOf(series, until ?? checkedUntil(series)).map(({ start, end }) => {
    const override = overrides.get(start);
    if (override?.starts_at === undefined) return { occurrenceStart: start, start, end };
    return { occurrenceStart: start, start: parseInstant(override.starts_at) as number, end: parseInstant(override.ends_at!) as number };
  });
  return entries.sort((a, b) => a.start - b.start);
}

/** One occurrence of a stored series, as a listing shows it: the series' fields, then its override's. */
export function occurrenceView(series: Event, occurrenceStart: number): Event {
  const length = instant(series.ends_at) - instant(series.starts_at);
  const identity = formatInstant(occurrenceStart);
  const override = overridesOf(series).get(occurrenceStart);
  const { overrides: _overrides, ...fields } = series;
  return {
    ...fields,
    title: override?.title ?? series.title,
    description: override?.description ?? series.description,
    starts_at: override?.starts_at ?? identity,
    ends_at: override?.ends_at ?? formatInstant(occurrenceStart + length),
    series_id: series.id,
    occurrence_start: identity,
  };
}

/** Whether `start` (ms) is the identity of one of the series' occurrences (a cancelled one is none). */
export function isOccurrence(series: Event, start: number): boolean {
  return series.recurrence !== undefined && occurrencesIn(series, start, start + 1).some((o) => o.start === start);
}

/**
 * The next version of the series with one occurrence changed. Times: `starts_at` alone moves the
 * occurrence and keeps its length; the rules of a single booking apply (ends after it starts,
 * at most 31 days). Refused when the moved occurrence would overlap another of the series.
 */
export function overriddenSeries(series: Event, occurrenceStart: number, patch: OccurrencePatch, now: string): Event | FieldProblem[] {
  const previous = overridesOf(series).get(occurrenceStart);
  const override: OccurrenceOverride = { ...previous, occurrence_start: formatInstant(occurrenceStart) };
  if (patch.title !== undefined) override.title = patch.title;
  if (patch.description !== undefined) override.description = patch.description;
  if (patch.starts_at !== undefined || patch.ends_at !== undefined) {
    const current = occurrenceView(series, occurrenceStart);
    const moved = buildEvent(
      {
        title: series.title,
        starts_at: patch.starts_at ?? current.starts_at,
        ends_at: patch.ends_at ?? (patch.starts_at === undefined ? current.ends_at : undefined),
        keepLengthMs: instant(current.ends_at) - instant(current.starts_at),
      },
      { id: series.id, created_by: series.created_by, created_at: series.created_at, updated_at: now, version: series.version },
    );
    if (Array.isArray(moved)) return moved;
    override.starts_at = moved.starts_at;
    override.ends_at = moved.ends_at;
  }
  const overrides = [...overridesOf(series).values()].filter((o) => o.occurrence_start !== override.occurrence_start);
  const next = withOverrides({ ...series, updated_at: now, version: series.version + 1 }, [...overrides, override]);
  const problem = overlapProblem(next, "starts_at");
  return problem === null ? next : [problem];
}

/**
 * The next version of the series with one occurrence cancelled: an EXDATE of its start added to
 * the series' lines (to the last plain EXDATE line while it has room), its override dropped.
 * Lines hold instants to the second, so the EXDATE is the start's second (see expand.ts).
 */
export function cancelledSeries(series: Event, occurrenceStart: number, now: string): Event | FieldProblem[] {
  const value = lineInstant(occurrenceStart);
  const lines = [...series.recurrence!];
  const last = lines.length - 1;
  if (last >= 0 && lines[last]!.startsWith("EXDATE:") && lines[last]!.length + value.length + 1 <= MAX_RECURRENCE_LINE_LENGTH) lines[last] += `,${value}`;
  else lines.push(`EXDATE:${value}`);
  const built = buildEvent(patchedEventFields(series, { recurrence: lines }), { id: series.id, created_by: series.created_by, created_at: series.created_at, updated_at: now, version: series.version + 1 });
  if (Array.isArray(built)) return built.map((p) => ({ field: "occurrence_start", message: `cannot be cancelled: the series' ${p.field} ${p.message}` }));
  const identity = formatInstant(occurrenceStart);
  return withOverrides(built, (series.overrides ?? []).filter((o) => o.occurrence_start !== identity));
}

/**
 * A rewritten series (PUT or PATCH of the whole series) keeps the overrides of `previous` whose
 * occurrence_start is still one of its occurrences, as they were; the others go with the
 * occurrences they changed. Refused (naming `field`) when a kept, moved occurrence would overlap
 * another of the new series.
 */
export function keptOverrides(next: Event, previous: Event, field: string): Event | FieldProblem[] {
  if (next.recurrence === undefined || previous.overrides === undefined) return next;
  const starts = new Set(occurrencesOf(next).map((o) => o.start));
  const kept = withOverrides(next, previous.overrides.filter((o) => starts.has(instant(o.occurrence_start))));
  const problem = overlapProblem(kept, field);
  return problem === null ? kept : [problem];
}

/** The series with exactly these overrides (sorted by occurrence_start; none: no field). */
function withOverrides(series: Event, overrides: OccurrenceOverride[]): Event {
  const { overrides: _old, ...rest } = series;
  if (overrides.length === 0) return rest;
  return { ...rest, overrides: [...overrides].sort((a, b) => instant(a.occurrence_start) - instant(b.occurrence_start)) };
}

/** A calendar's entries never overlap (the conflict check relies on it), a series' own included. */
function overlapProblem(series: Event, field: string): FieldProblem | null {
  const entries = seriesEntries(series);
  for (let i = 1; i < entries.length; i++) {
    const [a, b] = [entries[i - 1]!, entries[i]!];
    if (b.start < a.end) {
      const [at, bt] = [formatInstant(a.occurrenceStart), formatInstant(b.occurrenceStart)];
      return { field, message: `makes two occurrences of the series overlap: that of ${at} (now ${formatInstant(a.start)} to ${formatInstant(a.end)}) and that of ${bt} (now from ${formatInstant(b.start)})` };
    }
  }
  return null;
}

/** An instant as a value of a recurrence line (EXDATE, RDATE, UNTIL) in UTC, to the second: 20310310T090000Z. */
export function lineInstant(ms: number): string {
  return formatInstant(Math.floor(ms / 1000) * 1000).replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

const instant = (text: string) => parseInstant(text) as number;
