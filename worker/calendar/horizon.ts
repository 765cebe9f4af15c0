import type { Event } from "../../shared/calendar.ts";
import { parseInstant } from "../../shared/instant.ts";
import { parseRecurrence } from "./recurrence/recurrence-lines.ts";

/**
 * Series without an end (an RRULE with neither COUNT nor UNTIL) are materialised up to a horizon:
 * each calendar that holds one keeps `cal:<name>:horizon` (ms), and every occurrence of its open
 * series whose occurrence_start is before it has its entry in the calendar's sorted sets, checked
 * like any booking. Nothing may be booked on that calendar that ends after the horizon (409
 * beyond_series_horizon): so no later booking can land on an occurrence not yet materialised, and
 * when the scheduled sweep moves the horizon on, the new occurrences (which start at or after the
 * old horizon) meet no booking, only each other's (checked: a clash stops the horizon there).
 * Safety never waits for the sweep: only how far ahead one may book does.
 */

const DAY_MS = 86_400_000;
/** What is guaranteed materialised ahead of now while the sweep runs: two years. */
export const GUARANTEED_AHEAD_MS = 730 * DAY_MS;
/** How far ahead a horizon is set (at a write, and by the sweep): the guarantee plus 35 days. */
export const HORIZON_AHEAD_MS = GUARANTEED_AHEAD_MS + 35 * DAY_MS;
/** The sweep moves a calendar's horizon on once it is less than this ahead of now (a week of slack). */
export const EXTEND_BELOW_MS = GUARANTEED_AHEAD_MS + 28 * DAY_MS;

/** The horizon a write at `now` (ms) sets on a calendar that has none yet. */
export function plannedHorizon(now: number): number {
  return now + HORIZON_AHEAD_MS;
}

/** Whether the event is a series without an end (materialised up to its calendar's horizon). */
export function isOpenEnded(event: Pick<Event, "recurrence" | "time_zone">): boolean {
  if (event.recurrence === undefined) return false;
  const recurrence = parseRecurrence(event.recurrence, event.time_zone ?? "UTC");
  if (Array.isArray(recurrence) || recurrence.rule === null) return false;
  return recurrence.rule.count === undefined && recurrence.rule.until === undefined;
}

/** For checks without the calendar at hand: how far the series' occurrences reach (its write's horizon; a finite series' last). */
export function checkedUntil(event: Pick<Event, "updated_at" | "recurrence" | "time_zone">): number | undefined {
  return isOpenEnded(event) ? plannedHorizon(parseInstant(event.updated_at) as number) : undefined;
}
