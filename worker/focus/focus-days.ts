/**
 * Per-day focus totals: for each UTC day (by a round's end), the rounds, completed rounds and focus
 * time of the team, of each member in them, and of each goal (or none). The store keeps these up to
 * date as rounds are recorded (focus-store.ts), so stats read O(days), not O(rounds). Pure: this
 * file says what the totals are, how they are written as hash fields, and what stats they give.
 */
import type { FocusRound, FocusStatsBucket } from "../../shared/focus.ts";
import { bucketOf, dayOf, orderKeys, type GroupBy } from "./focus-stats.ts";

export interface Totals {
  rounds: number;
  completed: number;
  focusMs: number;
}

export interface DayTotals {
  readonly team: Totals;
  readonly members: Map<string, Totals>;
  /** Keyed by goal id; null for rounds with no goal. */
  readonly goals: Map<string | null, Totals>;
}

/** Day (YYYY-MM-DD) → that day's totals. */
export type DaysTotals = Map<string, DayTotals>;

const zero = (): Totals => ({ rounds: 0, completed: 0, focusMs: 0 });

function addTo(totals: Totals, more: Totals): void {
  totals.rounds += more.rounds;
  totals.completed += more.completed;
  totals.focusMs += more.focusMs;
}

function dayIn(days: DaysTotals, day: string): DayTotals {
  let totals = days.get(day);
  if (totals === undefined) days.set(day, (totals = { team: zero(), members: new Map(), goals: new Map() }));
  return totals;
}

function entry<K>(map: Map<K, Totals>, key: K): Totals {
  let totals = map.get(key);
  if (totals === undefined) map.set(key, (totals = zero()));
  return totals;
}

/** What one round adds to its day. */
export function roundTotals(round: FocusRound): Totals {
  return { rounds: 1, completed: round.ended === "completed" ? 1 : 0, focusMs: round.actual_ms };
}

/** The totals of `rounds`, added into `days` (a new map when not given). */
export function dayTotalsOf(rounds: Iterable<FocusRound>, days: DaysTotals = new Map()): DaysTotals {
  for (const round of rounds) {
    const day = dayIn(days, dayOf(round.ended_at));
    const more = roundTotals(round);
    addTo(day.team, more);
    for (const member of new Set(round.members)) addTo(entry(day.members, member), more);
    addTo(entry(day.goals, round.goal), more);
  }
  return days;
}

/** The same figures focusStats gives from the rounds, from their per-day totals. */
export function statsFromDays(days: DaysTotals, groupBy: GroupBy, lastDay: string): { total: FocusStatsBucket; groups: FocusStatsBucket[] } {
  const groups = new Map<string | null, Map<string, Totals>>();
  const into = (key: string | null, day: string, totals: Totals) => {
    let perDay = groups.get(key);
    if (perDay === undefined) groups.set(key, (perDay = new Map()));
    perDay.set(day, totals);
  };
  const total = new Map<string, Totals>();
  for (const [day, totals] of days) {
    if (totals.team.rounds === 0) continue;
    total.set(day, totals.team);
    if (groupBy === "day") into(day, day, totals.team);
    else if (groupBy === "member") for (const [member, t] of totals.members) into(member, day, t);
    else for (const [goal, t] of totals.goals) into(goal, day, t);
  }
  return { total: bucketFromDays(null, total, lastDay), groups: orderKeys([...groups.keys()]).map((key) => bucketFromDays(key, groups.get(key)!, lastDay)) };
}

function bucketFromDays(key: string | null, perDay: ReadonlyMap<string, Totals>, lastDay: string): FocusStatsBucket {
  const sum = zero();
  const completedDays: string[] = [];
  for (const [day, totals] of perDay) {
    addTo(sum, totals);
    if (totals.completed > 0) completedDays.push(day);
  }
  return bucketOf(key, sum.rounds, sum.completed, sum.focusMs, completedDays, lastDay);
}

/**
 * As hash fields: `day|t|` the team, `day|m|member`, `day|g|goal`, `day|n|` rounds with no goal;
 * each value "rounds completed focus_ms". The day is always 10 characters, so a member or goal
 * holding a '|' still reads back whole.
 */
export const TEAM_FIELD = "t";
export const MEMBER_FIELD = "m";
export const GOAL_FIELD = "g";
export const NO_GOAL_FIELD = "n";

export function dayField(day: string, kind: string, key = ""): string {
  return `${day}|${kind}|${key}`;
}

export function totalsText(totals: Totals): string {
  return `${totals.rounds} ${totals.completed} ${totals.focusMs}`;
}

/** "rounds completed focus_ms" read back; null for anything else. */
function totalsFromText(text: string): Totals | null {
  const first = text.indexOf(" ");
  const second = text.indexOf(" ", first + 1);
  if (first < 0 || second < 0) return null;
  const totals = { rounds: Number(text.slice(0, first)), completed: Number(text.slice(first + 1, second)), focusMs: Number(text.slice(second + 1)) };
  return Number.isSafeInteger(totals.rounds) && Number.isSafeInteger(totals.completed) && Number.isSafeInteger(totals.focusMs) ? totals : null;
}

/** The hash fields of `days`, as HSET takes them. */
export function daysAsFields(days: DaysTotals): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [day, totals] of days) {
    fields[dayField(day, TEAM_FIELD)] = totalsText(totals.team);
    for (const [member, t] of totals.members) fields[dayField(day, MEMBER_FIELD, member)] = totalsText(t);
    for (const [goal, t] of totals.goals) fields[goal === null ? dayField(day, NO_GOAL_FIELD) : dayField(day, GOAL_FIELD, goal)] = totalsText(t);
  }
  return fields;
}

/** Reads the fields back, keeping days in [fromDay, toDay] (YYYY-MM-DD compare as text); a field in no known form is skipped. */
export function daysFromFields(fields: Iterable<readonly [string, string]>, fromDay: string, toDay: string): DaysTotals {
  const days: DaysTotals = new Map();
  for (const [field, value] of fields) {
    const day = field.slice(0, 10);
    if (day < fromDay || day > toDay || field[10] !== "|" || field[12] !== "|") continue;
    const totals = totalsFromText(value);
    if (totals === null) continue;
    const kind = field[11];
    const key = field.slice(13);
    const into = dayIn(days, day);
    if (kind === TEAM_FIELD) addTo(into.team, totals);
    else if (kind === MEMBER_FIELD) addTo(entry(into.members, key), totals);
    else if (kind === GOAL_FIELD) addTo(entry(into.goals, key), totals);
    else if (kind === NO_GOAL_FIELD) addTo(entry(into.goals, null), totals);
  }
  return days;
}

/** The fields one round adds to: its day's team, goal (or none) and each member in it. */
export function roundDayFields(round: FocusRound): string[] {
  const day = dayOf(round.ended_at);
  const goal = round.goal === null ? dayField(day, NO_GOAL_FIELD) : dayField(day, GOAL_FIELD, round.goal);
  return [dayField(day, TEAM_FIELD), goal, ...[...new Set(round.members)].map((member) => dayField(day, MEMBER_FIELD, member))];
}
