import type { AgentTimerReport, TeamTimer } from "../../shared/live.ts";
import { advance, idleTimer, phaseDurationMs, remaining, type TimerState } from "../../shared/pomodoro.ts";

/**
 * The team timer as the worker stores it (one JSON value per team in the main store). Pure: every
 * function takes `now`, so the rules are tested without a clock.
 *
 * With no agent driving it, the worker keeps the timer itself, deadline-based (shared/pomodoro.ts,
 * the same rules the agents run). With agents, the master reports its state, fenced by term.
 */
export interface TimerRecord {
  state: TimerState;
  /** The current phase's start and length, for start_time/duration (a `set` changes the length). */
  phaseStartedAt: number | null;
  phaseDurationMs: number;
  /** Highest master term seen; 0 while the worker has only ever kept the timer itself. */
  term: number;
  /** Node id of the agent whose report this is, or null when the worker keeps the timer. */
  master: string | null;
  updatedAt: number;
  /**
   * Counts the sessions this team's timer has begun (idle to running), so two sessions begun in
   * the same millisecond still give their rounds distinct ids. Absent in records stored before it.
   */
  session?: number;
}

export function emptyRecord(): TimerRecord {
  return { state: idleTimer(), phaseStartedAt: null, phaseDurationMs: 0, term: 0, master: null, updatedAt: 0, session: 0 };
}

/** The session count of a record whose state follows `before`'s: one more when the timer leaves idle. */
export function sessionAfter(before: TimerRecord | undefined, next: TimerState): number {
  const count = before?.session ?? 0;
  return (before === undefined || before.state.phase === "idle") && next.phase !== "idle" ? count + 1 : count;
}

/** After the worker applied a command itself: the phase restarts when it changed or its length was set. */
export function recordAfterCommand(before: TimerRecord, next: TimerState, kind: string, now: number): TimerRecord {
  const current = advance(before.state, now);
  const restarted = kind === "start" || kind === "skip" || kind === "set" || next.phase !== current.phase;
  const view = viewTimes(before, now);
  return {
    state: next,
    phaseStartedAt: next.phase === "idle" ? null : restarted ? now : view.startedAt,
    phaseDurationMs: next.phase === "idle" ? 0 : restarted ? remaining(next, now) : view.durationMs,
    term: before.term,
    master: null,
    updatedAt: now,
    session: sessionAfter(before, next),
  };
}

/** How long a master that stopped heartbeating keeps its term's claim on the timer. */
export const MASTER_LEASE_MS = 10_000;
/**
 * How far above the record's term a report may jump while the record's master is alive. Elections
 * add one each; a group cut off from the worker for an hour adds a few thousand at most.
 */
export const MAX_TERM_JUMP = 10_000;

/** What the hub knows of the record's master: a connected agent still calling itself master, last heard at; gone (left, or no longer master); or nothing (the hub restarted). */
export type MasterPresence = { readonly heardAt: number } | "gone" | "unknown";

/** Whether the record's master still holds the timer: heard within its lease. */
export function masterAlive(record: TimerRecord, presence: MasterPresence, now: number): boolean {
  if (record.master === null || presence === "gone") return false;
  const heardAt = presence === "unknown" ? record.updatedAt : presence.heardAt;
  return now - heardAt <= MASTER_LEASE_MS;
}

export type ReportVerdict = "ok" | "stale_term" | "term_jump";

/**
 * Whether a master's report may replace the record. While the record's master is alive, a lower
 * term is a stale master (frozen, partitioned) and is refused, and so is a term that jumps far
 * ahead. Once that master is gone or silent past its lease, its claim has expired: any report
 * takes over, whatever the term (a new session's terms start again from 1), so a high term
 * left behind by an agent that went away never locks the real master out.
 */
export function judgeReport(record: TimerRecord, term: number, presence: MasterPresence, now: number): ReportVerdict {
  if (!masterAlive(record, presence, now)) return "ok";
  if (term < record.term) return "stale_term";
  if (term > record.term + MAX_TERM_JUMP) return "term_jump";
  return "ok";
}

/**
 * A master's report (remaining time, so no clocks need agree) as a record in the worker's clock.
 * The same phase as `previous` keeps its start time, so repeated reports of one phase (a pause, a
 * new term) do not look like a restart; network delay would otherwise move it a few ms each time.
 */
export function recordFromReport(report: AgentTimerReport, nodeId: string, term: number, now: number, previous?: TimerRecord): TimerRecord {
  const idle = report.phase === "idle";
  const state: TimerState = {
    phase: report.phase,
    endsAt: idle || report.paused ? null : now + report.remaining_ms,
    paused: !idle && report.paused,
    remainingMs: !idle && report.paused ? report.remaining_ms : null,
    completedFocusRounds: report.round,
    settings: {
      focusMs: report.settings.focus_ms,
      shortBreakMs: report.settings.short_break_ms,
      longBreakMs: report.settings.long_break_ms,
      longBreakEvery: report.settings.long_break_every,
    },
    ...(idle || report.goal == null ? {} : { goal: report.goal }),
  };
  const durationMs = idle ? 0 : Math.max(report.duration_ms, report.remaining_ms);
  const samePhase =
    previous !== undefined &&
    previous.phaseStartedAt !== null &&
    previous.state.phase === report.phase &&
    previous.state.completedFocusRounds === report.round &&
    previous.phaseDurationMs === durationMs;
  const phaseStartedAt = idle ? null : samePhase ? previous.phaseStartedAt : now - (durationMs - report.remaining_ms);
  return { state, phaseStartedAt, phaseDurationMs: durationMs, term, master: nodeId, updatedAt: now, session: sessionAfter(previous, state) };
}

/** Deadline differences below this between two reports are network delay, not a change. */
const SAME_DEADLINE_MS = 50;

/** Whether `next` says nothing new over `current` (same master, term, phase, pause and deadline): no need to store or announce it. */
export function sameTimer(current: TimerRecord, next: TimerRecord): boolean {
  const a = current.state;
  const b = next.state;
  const sameTime =
    a.paused && b.paused
      ? Math.abs((a.remainingMs ?? 0) - (b.remainingMs ?? 0)) < SAME_DEADLINE_MS
      : a.endsAt !== null && b.endsAt !== null
        ? Math.abs(a.endsAt - b.endsAt) < SAME_DEADLINE_MS
        : a.endsAt === b.endsAt;
  return (
    current.master === next.master &&
    current.term === next.term &&
    a.phase === b.phase &&
    a.paused === b.paused &&
    a.completedFocusRounds === b.completedFocusRounds &&
    a.goal === b.goal &&
    current.phaseDurationMs === next.phaseDurationMs &&
    sameTime
  );
}

/** What GET /pomo/state and `timer.state` show. */
export function teamTimerView(record: TimerRecord, members: string[], now: number): TeamTimer {
  const state = advance(record.state, now);
  const settings = {
    focus_ms: state.settings.focusMs,
    short_break_ms: state.settings.shortBreakMs,
    long_break_ms: state.settings.longBreakMs,
    long_break_every: state.settings.longBreakEvery,
  };
  const common = { settings, master: record.master, goal: state.goal ?? null, members, term: record.term, updated_at: new Date(record.updatedAt || now).toISOString() };
  if (state.phase === "idle") {
    return { running: false, paused: false, phase: "idle", round: state.completedFocusRounds, start_time: null, duration: 0, duration_ms: 0, remaining_time: 0, remaining_ms: 0, ends_at: null, ...common };
  }
  const left = remaining(state, now);
  const { startedAt, durationMs } = viewTimes(record, now);
  return {
    running: !state.paused,
    paused: state.paused,
    phase: state.phase,
    round: state.completedFocusRounds,
    start_time: new Date(startedAt).toISOString(),
    duration: durationMs / 1000,
    duration_ms: durationMs,
    remaining_time: left / 1000,
    remaining_ms: left,
    ends_at: state.paused ? null : state.endsAt,
    ...common,
  };
}

/** The current phase's start and length: as recorded, or (after the deadline moved it on) derived from the deadline. */
function viewTimes(record: TimerRecord, now: number): { startedAt: number; durationMs: number } {
  const state = advance(record.state, now);
  const unchanged = state.phase === record.state.phase && state.completedFocusRounds === record.state.completedFocusRounds && state.endsAt === record.state.endsAt;
  if (unchanged && record.phaseStartedAt !== null) return { startedAt: record.phaseStartedAt, durationMs: record.phaseDurationMs };
  const durationMs = phaseDurationMs(state.phase, state.settings);
  return { startedAt: (state.endsAt ?? now + remaining(state, now)) - durationMs, durationMs };
}
