import type { Event, EventPatch } from "../../shared/calendar.ts";
import { formatInstant, parseInstant } from "../../shared/instant.ts";
import type { FieldProblem } from "../request.ts";
import { buildEvent, occurrencesOf, patchedEventFields, type EventMeta } from "./event-record.ts";
import { keptOverrides, lineInstant, seriesEntries } from "./occurrences.ts";
import { expandSeries } from "./recurrence/expand.ts";
import { isOpenEnded, plannedHorizon } from "./horizon.ts";
import { parseRecurrence, type Recurrence } from "./recurrence/recurrence-lines.ts";

/**
 * "This and following" (Google Calendar's third choice): a series split at one of its occurrences
 * into the part before it, which now ends there (UNTIL), and a new series from it on, which takes
 * the patch. Each part keeps the EXDATEs, RDATEs and overrides of its own occurrences. Pure: the
 * store writes both in one atomic step.
 *
 * The split must not change which occurrences exist before the patch is applied: the two parts'
 * occurrences together are checked to be exactly the series' (a start that a DST gap moved, or an
 * RDATE amid a rule, could otherwise shift them), and it is refused naming from_occurrence if not.
 */
export interface Split {
  before: Event;
  following: Event;
}

const FIELD = "from_occurrence";
/** Values per rewritten EXDATE or RDATE line (17 characters each: well within a line's 2000). */
const VALUES_PER_LINE = 100;

/**
 * `from` is an occurrence of `series` (the caller checked), not its first. `followingMeta` is the
 * new series' id and creation.
 */
export function splitSeries(series: Event, from: number, patch: EventPatch, followingMeta: EventMeta, now: string): Split | FieldProblem[] {
  const zone = series.time_zone ?? "UTC";
  const recurrence = parseRecurrence(series.recurrence!, zone);
  if (Array.isArray(recurrence)) throw new Error(`stored series ${series.id} has invalid recurrence`);
  const ruleLine = series.recurrence!.findIndex((line) => /^\s*RRULE\s*:/i.test(line));
  const start = parseInstant(series.starts_at) as number;
  const length = (parseInstant(series.ends_at) as number) - start;

  let beforeRule: string[] = [];
  let followingRule: string[] = [];
  if (recurrence.rule !== null) {
    const plain = { start, durationMs: length, zone, recurrence: { rule: recurrence.rule, exdates: [], rdates: [] } };
    if (!expandSeries(plain, { from, to: from + 1 }, 2).occurrences.some((o) => o.start === from)) {
      return [{ field: FIELD, message: `${formatInstant(from)} is an RDATE of the series, not an occurrence of its RRULE; split it at one of those, or change this occurrence alone` }];
    }
    const parts = series.recurrence![ruleLine]!.slice(series.recurrence![ruleLine]!.indexOf(":") + 1).split(";").filter((p) => !/^\s*(COUNT|UNTIL)\s*=/i.test(p));
    beforeRule = [`RRULE:${[...parts, `UNTIL=${lineInstant(from - 1000)}`].join(";")}`];
    const { count, until } = recurrence.rule;
    // COUNT counts the rule's starts from DTSTART, cancelled ones too: the new series has the rest.
    const before = count === undefined ? 0 : expandSeries(plain, { from: start, to: from }, count).occurrences.filter((o) => o.start < from).length;
    const end = count !== undefined ? `COUNT=${count - before}` : until !== undefined ? `UNTIL=${lineInstant(until)}` : undefined;
    followingRule = [`RRULE:${[...parts, ...(end === undefined ? [] : [end])].join(";")}`];
  }
  const beforeLines = [...beforeRule, ...dateLines(recurrence, (ms) => ms < from)];
  const followingLines = [...followingRule, ...dateLines(recurrence, (ms) => ms >= from)];

  const before = buildEvent(patchedEventFields(series, { recurrence: beforeLines }), { ...metaOf(series), updated_at: now, version: series.version + 1 });
  const continued = buildEvent(patchedEventFields(series, { starts_at: formatInstant(from), recurrence: followingLines }), followingMeta);
  if (Array.isArray(before)) return before.map((p) => ({ field: FIELD, message: `leaves a part before it that cannot be stored: ${p.field} ${p.message}` }));
  if (Array.isArray(continued)) return continued.map((p) => ({ field: FIELD, message: `starts a part from it that cannot be stored: ${p.field} ${p.message}` }));
  // A series without an end is compared as far as a write now materialises it.
  const until = isOpenEnded(series) ? plannedHorizon(parseInstant(now) as number) : undefined;
  const kept = [...occurrencesOf(before), ...occurrencesOf(continued, until)].map((o) => o.start);
  const all = occurrencesOf(series, until).map((o) => o.start);
  if (kept.length !== all.length || kept.some((s, i) => s !== all[i])) {
    return [{ field: FIELD, message: `the series cannot be split at ${formatInstant(from)} without changing its occurrences (its rule depends on its first start there); change the occurrences one by one` }];
  }

  const { from_occurrence: _from, ...fields } = patch;
  const patched = buildEvent(patchedEventFields(continued, fields), followingMeta);
  if (Array.isArray(patched)) return patched;
  const beforeKept = keptOverrides(before, series, FIELD);
  const followingKept = keptOverrides(patched, series, "starts_at");
  if (Array.isArray(beforeKept)) return beforeKept;
  if (Array.isArray(followingKept)) return followingKept;
  const problem = overlapBetween(beforeKept, followingKept);
  return problem === null ? { before: beforeKept, following: followingKept } : [problem];
}

/** Two events on one calendar may not overlap: the new series moved onto the part before it is refused. */
function overlapBetween(before: Event, following: Event): FieldProblem | null {
  if (before.calendar !== following.calendar) return null;
  const entries = following.recurrence === undefined ? [{ start: parseInstant(following.starts_at) as number, end: parseInstant(following.ends_at) as number }] : seriesEntries(following);
  for (const earlier of seriesEntries(before)) {
    const hit = entries.find((e) => e.start < earlier.end && earlier.start < e.end);
    if (hit !== undefined) return { field: "starts_at", message: `moves the following occurrences onto the part before them (${formatInstant(hit.start)} overlaps the occurrence of ${formatInstant(earlier.occurrenceStart)})` };
  }
  return null;
}

/** The EXDATE and RDATE values that `keep` picks, as lines in UTC (a whole-day EXDATE as VALUE=DATE), in chunks. */
function dateLines(recurrence: Recurrence, keep: (ms: number) => boolean): string[] {
  const instants = recurrence.exdates.flatMap((e) => ("instant" in e && keep(e.instant) ? [lineInstant(e.instant)] : []));
  // A day is a wall-clock day: kept on both sides (it only ever removes occurrences on that day).
  const days = recurrence.exdates.flatMap((e) => ("day" in e ? [new Date(e.day).toISOString().slice(0, 10).replaceAll("-", "")] : []));
  const rdates = recurrence.rdates.filter(keep).map(lineInstant);
  return [...chunks("EXDATE:", instants), ...chunks("EXDATE;VALUE=DATE:", days), ...chunks("RDATE:", rdates)];
}

function chunks(prefix: string, values: string[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += VALUES_PER_LINE) lines.push(prefix + values.slice(i, i + VALUES_PER_LINE).join(","));
  return lines;
}

function metaOf(event: Event): EventMeta {
  return { id: event.id, created_by: event.created_by, created_at: event.created_at, updated_at: event.updated_at, version: event.version };
}
