/**
 * Which focus rounds a change of the team timer ended. Pure: the previous and next timer records
 * (worker clock) and `now` in, ended rounds out.
 *
 * A round's id is its identity, not the report that ended it: its focus phase's start and its index
 * in the session, both read from the record the worker held before the change. A new master takes
 * over the phase as it was (recordFromReport keeps the start of a continued phase), so whichever
 * master's report ends the round, and however often a change is retried after a crash between
 * recording and storing, the same id comes out and the store keeps the first (focus-store.ts).
 */
import type { FocusEnding, FocusRound } from "../../shared/focus.ts";
import { followingPhase, phaseDurationMs, type Phase, type TimerState } from "../../shared/pomodoro.ts";
import type { TimerRecord } from "../live/team-timer.ts";

export interface EndedRound {
  readonly id: string;
  readonly round: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly plannedMs: number;
  readonly actualMs: number;
  readonly ended: FocusEnding;
  /** The goal the session was for as the round ran (the record before the change): a stop clears it from the next. */
  readonly goal: string | null;
}

/**
 * A focus ended this close to its deadline completed: the worker's copy of a master's deadline is
 * off by the network delay of the report, so a report of the break may land just before it.
 */
export const COMPLETED_WITHIN_MS = 1000;
/** At most this many phases are walked through by deadline in one change: a timer left alone for months records its latest rounds only. */
export const MAX_PHASES_WALKED = 2000;

/** A phase of the previous record as it stands at some instant. */
interface PhaseAt {
  readonly phase: Phase;
  readonly round: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly endsAt: number | null;
  readonly remainingMs: number;
  /** The record's session count (undefined in records stored before it). */
  readonly session: number | undefined;
}

/** The session count leads only when known, so ids of rounds stored before it existed stay as they were. */
export function roundId(startedAt: number, round: number, session?: number): string {
  return `${session === undefined ? "" : `s${session}-`}${startedAt.toString(36)}-${round}`;
}

/**
 * The rounds ended between `previous` and `next` (null: no change, only time passed, as when the
 * worker keeps the timer alone): every focus whose deadline passed by `now`, then, if `next` moved
 * the timer on, the focus it cut (skipped, or stopped when it went idle or a new session began) and
 * any rounds a gap in the reports hid (skipped, with no length known).
 */
export function roundsEnded(previous: TimerRecord, next: TimerRecord | null, now: number): EndedRound[] {
  const ended: EndedRound[] = [];
  let current = phaseOf(previous);
  if (current === null) return ended;
  const settings = previous.state.settings;
  const goal = previous.state.goal ?? null;
  const round = (phase: PhaseAt, endedAt: number, actualMs: number, ended: FocusEnding): EndedRound => ({
    id: roundId(phase.startedAt, phase.round, phase.session), round: phase.round, startedAt: phase.startedAt, endedAt, plannedMs: settings.focusMs, actualMs, ended, goal,
  });
  for (let walked = 0; current.endsAt !== null && current.endsAt <= now; walked++) {
    if (walked >= MAX_PHASES_WALKED) {
      ended.splice(0, ended.length); // too far behind to be news: start again from the latest phases
      current = skipAhead(current, previous.state, now);
      walked = 0;
      continue;
    }
    if (current.phase === "focus") ended.push(round(current, current.endsAt, current.durationMs, "completed"));
    const following = followingPhase(current.phase, current.round, settings);
    const durationMs = phaseDurationMs(following.phase, settings);
    const startedAt: number = current.endsAt;
    current = { phase: following.phase, round: following.completedFocusRounds, startedAt, durationMs, endsAt: startedAt + durationMs, remainingMs: durationMs, session: current.session };
  }
  if (next === null) return ended;
  const left = current.endsAt === null ? current.remainingMs : current.endsAt - now;
  const nextPhase = next.state.phase;
  const nextRound = next.state.completedFocusRounds;
  const newSession = nextPhase === "idle" || nextRound < current.round;
  // A focus stopped the instant it began is no round (and a new one may start at that instant with the same identity).
  const begunNow = current.startedAt >= now;
  if (current.phase === "focus" && (nextRound > current.round || (newSession && !begunNow))) {
    if (!newSession && left <= COMPLETED_WITHIN_MS) ended.push(round(current, now + left, current.durationMs, "completed")); // ran its length, by its own clock
    else ended.push(round(current, now, Math.max(0, current.durationMs - Math.max(0, left)), newSession ? "stopped" : "skipped"));
  }
  if (!newSession) {
    const firstHidden = current.phase === "focus" ? current.round + 1 : current.round;
    for (let k = firstHidden; k < nextRound; k++) ended.push({ id: roundId(current.startedAt, k, current.session), round: k, startedAt: now, endedAt: now, plannedMs: settings.focusMs, actualMs: 0, ended: "skipped", goal });
  }
  return ended;
}

/** The record's phase with its start (recorded, or derived from the deadline for a record without one); null when idle. */
function phaseOf(record: TimerRecord): PhaseAt | null {
  const state = record.state;
  if (state.phase === "idle") return null;
  const durationMs = record.phaseDurationMs > 0 ? record.phaseDurationMs : phaseDurationMs(state.phase, state.settings);
  const remainingMs = state.paused ? (state.remainingMs ?? 0) : Math.max(0, (state.endsAt ?? 0) - record.updatedAt);
  const startedAt = record.phaseStartedAt ?? (state.endsAt !== null ? state.endsAt - durationMs : record.updatedAt - (durationMs - remainingMs));
  return { phase: state.phase, round: state.completedFocusRounds, startedAt, durationMs, endsAt: state.paused ? null : state.endsAt, remainingMs, session: record.session };
}

/** Whole cycles skipped arithmetically (as advance does), leaving a few cycles before `now` to walk. */
function skipAhead(phase: PhaseAt, state: TimerState, now: number): PhaseAt {
  const s = state.settings;
  const cycle = s.longBreakEvery * s.focusMs + (s.longBreakEvery - 1) * s.shortBreakMs + s.longBreakMs;
  const cycles = Math.max(0, Math.floor((now - (phase.endsAt ?? now)) / cycle) - 2);
  const shift = cycles * cycle;
  return { ...phase, round: phase.round + cycles * s.longBreakEvery, startedAt: phase.startedAt + shift, endsAt: (phase.endsAt ?? now) + shift };
}

/** Who was in the session as the round ended, and who ended it. */
export interface RoundContext {
  readonly team: string;
  /** Members with an agent connected or a dashboard open. */
  readonly members: readonly string[];
  readonly agents: readonly string[];
  readonly term: number;
  /** The master's node id, or null when the worker keeps the timer. */
  readonly master: string | null;
}

/** An ended round as recorded and listed. */
export function focusRound(ended: EndedRound, context: RoundContext): FocusRound {
  return {
    id: ended.id,
    team: context.team,
    round: ended.round,
    started_at: new Date(ended.startedAt).toISOString(),
    ended_at: new Date(ended.endedAt).toISOString(),
    planned_ms: Math.round(ended.plannedMs),
    actual_ms: Math.round(ended.actualMs),
    ended: ended.ended,
    members: [...new Set(context.members)].sort(),
    agents: [...new Set(context.agents)].sort(),
    goal: ended.goal,
    term: context.term,
    recorded_by: context.master ?? "worker",
  };
}
