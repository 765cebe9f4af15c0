/**
 * The Pomodoro timer as pure functions over an immutable state. Time only moves through the `now`
 * arguments, so the same calls give the same answers on every machine and in tests.
 *
 * The truth is a deadline (`endsAt`), never a count of ticks: a timer that was not looked at for an
 * hour is exactly as right as one polled every millisecond, and handing the state to another machine
 * only needs the deadline translated to that machine's clock (see clock-offset.ts).
 */

const MINUTE = 60_000;

/** Longest phase or `set` accepted: a day. Anything longer is a typo, not a Pomodoro. */
export const MAX_DURATION_MS = 24 * 60 * MINUTE;

export type Phase = "idle" | "focus" | "short_break" | "long_break";

export interface PomodoroSettings {
  readonly focusMs: number;
  readonly shortBreakMs: number;
  readonly longBreakMs: number;
  /** A long break follows every Nth completed focus round. */
  readonly longBreakEvery: number;
}

export const DEFAULT_SETTINGS: PomodoroSettings = Object.freeze({
  focusMs: 25 * MINUTE,
  shortBreakMs: 5 * MINUTE,
  longBreakMs: 15 * MINUTE,
  longBreakEvery: 4,
});

export interface TimerState {
  readonly phase: Phase;
  /** When the current phase ends, in epoch ms of the clock that owns this state; null when idle or paused. */
  readonly endsAt: number | null;
  readonly paused: boolean;
  /** What is left of the current phase while paused; null otherwise. */
  readonly remainingMs: number | null;
  readonly completedFocusRounds: number;
  readonly settings: PomodoroSettings;
  /** What the session is for: a goal's id (`start --goal`), kept until the timer stops; absent for none. */
  readonly goal?: string;
}

/** The form of a goal id (ResourceId in shared/fields.ts), checked where one arrives without zod: peers' messages, the CLI. */
export const GOAL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.~-]{0,127}$/;

export function isGoalId(value: unknown): value is string {
  return typeof value === "string" && GOAL_ID_PATTERN.test(value);
}

export type TimerErrorCode =
  | "not_running"
  | "already_running"
  | "already_paused"
  | "not_paused"
  | "invalid_duration"
  | "invalid_settings";

export interface TimerError {
  readonly code: TimerErrorCode;
  readonly message: string;
}

/** Operations that can be refused answer this instead of throwing, so a bad command from a peer cannot crash the master. */
export type TimerResult = { readonly ok: true; readonly state: TimerState } | { readonly ok: false; readonly error: TimerError };

/** What members ask the master to do; plain data so it can travel in messages. */
export type TimerCommand =
  | { readonly kind: "start"; readonly settings?: Partial<PomodoroSettings>; readonly goal?: string }
  | { readonly kind: "pause" }
  | { readonly kind: "resume" }
  | { readonly kind: "skip" }
  | { readonly kind: "stop" }
  | { readonly kind: "set"; readonly durationMs: number };

export function idleTimer(settings: PomodoroSettings = DEFAULT_SETTINGS): TimerState {
  return { phase: "idle", endsAt: null, paused: false, remainingMs: null, completedFocusRounds: 0, settings };
}

/** Defaults filled in, then checked: every duration in (0, 24 h], longBreakEvery a whole number >= 1. */
export function resolveSettings(
  overrides: Partial<PomodoroSettings> = {},
): { readonly ok: true; readonly settings: PomodoroSettings } | { readonly ok: false; readonly error: TimerError } {
  const settings = { ...DEFAULT_SETTINGS, ...overrides };
  for (const field of ["focusMs", "shortBreakMs", "longBreakMs"] as const) {
    if (!isValidDuration(settings[field])) {
      return { ok: false, error: timerError("invalid_settings", `${field} must be more than 0 and at most 24 h, not ${settings[field]}`) };
    }
  }
  if (!Number.isInteger(settings.longBreakEvery) || settings.longBreakEvery < 1) {
    const message = `longBreakEvery must be a whole number >= 1, not ${settings.longBreakEvery}`;
    return { ok: false, error: timerError("invalid_settings", message) };
  }
  return { ok: true, settings: Object.freeze(settings) };
}

/** A fresh session: focus round one starts now, for `goal` if given. */
export function start(overrides: Partial<PomodoroSettings>, now: number, goal?: string): TimerResult {
  const resolved = resolveSettings(overrides);
  if (!resolved.ok) return resolved;
  return ok({ ...idleTimer(resolved.settings), phase: "focus", endsAt: now + resolved.settings.focusMs, ...(goal === undefined ? {} : { goal }) });
}

export function pause(state: TimerState, now: number): TimerResult {
  const current = advance(state, now);
  if (current.phase === "idle") return notRunning("pause");
  if (current.paused) return fail("already_paused", "the timer is already paused");
  return ok({ ...current, paused: true, endsAt: null, remainingMs: remaining(current, now) });
}

/** The deadline is recomputed from what was left, so time spent paused does not count. */
export function resume(state: TimerState, now: number): TimerResult {
  if (state.phase === "idle" || !state.paused) return fail("not_paused", "the timer is not paused");
  return ok({ ...state, paused: false, endsAt: now + (state.remainingMs ?? 0), remainingMs: null });
}

/**
 * Ends the current phase now and starts the next one in full. Skipping a focus phase counts it as
 * completed, so the long break still comes after every Nth focus. A paused timer stays paused.
 */
export function skip(state: TimerState, now: number): TimerResult {
  const current = advance(state, now);
  if (current.phase === "idle") return notRunning("skip");
  const next = followingPhase(current.phase, current.completedFocusRounds, current.settings);
  const durationMs = phaseDurationMs(next.phase, current.settings);
  return ok({
    ...current,
    ...next,
    endsAt: current.paused ? null : now + durationMs,
    remainingMs: current.paused ? durationMs : null,
  });
}

/** Back to idle; the settings stay for the next start. Stopping an idle timer is harmless. */
export function stop(state: TimerState): TimerState {
  return idleTimer(state.settings);
}

/** Sets what is left of the current phase (paused or not); on an idle timer, starts a focus phase that long. */
export function setRemaining(state: TimerState, durationMs: number, now: number): TimerResult {
  if (!isValidDuration(durationMs)) {
    return fail("invalid_duration", `a duration must be more than 0 and at most 24 h, not ${durationMs}`);
  }
  const current = advance(state, now);
  if (current.phase === "idle") return ok({ ...current, phase: "focus", endsAt: now + durationMs });
  if (current.paused) return ok({ ...current, remainingMs: durationMs });
  return ok({ ...current, endsAt: now + durationMs });
}

/**
 * Moves past every phase whose deadline is at or before `now`. Each new phase starts at the previous
 * deadline, not at `now`, so a late call loses no time. Whole cycles are skipped arithmetically, so
 * a timer left alone for a year costs no more than one left for a minute.
 */
export function advance(state: TimerState, now: number): TimerState {
  if (state.phase === "idle" || state.paused || state.endsAt === null || now < state.endsAt) return state;
  const { settings } = state;
  let phase: Phase = state.phase;
  let completedFocusRounds = state.completedFocusRounds;
  let endsAt = state.endsAt;
  const cycle = cycleMs(settings);
  const wholeCycles = Math.floor((now - endsAt) / cycle);
  if (wholeCycles > 0) {
    // 2N consecutive phases always contain N focus rounds and one long break, whatever the phase we start from.
    endsAt += wholeCycles * cycle;
    completedFocusRounds += wholeCycles * settings.longBreakEvery;
  }
  while (now >= endsAt) {
    ({ phase, completedFocusRounds } = followingPhase(phase, completedFocusRounds, settings));
    endsAt += phaseDurationMs(phase, settings);
  }
  return { ...state, phase, completedFocusRounds, endsAt };
}

/** Milliseconds left in the phase as the state stands (call `advance` first for a state that may be stale). */
export function remaining(state: TimerState, now: number): number {
  if (state.phase === "idle") return 0;
  if (state.paused) return state.remainingMs ?? 0;
  return Math.max(0, (state.endsAt ?? now) - now);
}

export function applyTimerCommand(state: TimerState, command: TimerCommand, now: number): TimerResult {
  switch (command.kind) {
    case "start":
      if (advance(state, now).phase !== "idle") {
        // A paused timer is not "running" to the person looking at it: name what they see.
        const why = state.paused ? "the timer is paused; resume it, or stop it first to start over" : "the timer is already running; stop it first";
        return fail("already_running", why);
      }
      return start({ ...state.settings, ...command.settings }, now, command.goal);
    case "pause":
      return pause(state, now);
    case "resume":
      return resume(state, now);
    case "skip":
      return skip(state, now);
    case "stop":
      return ok(stop(state));
    case "set":
      return setRemaining(state, command.durationMs, now);
  }
}

export function phaseDurationMs(phase: Phase, settings: PomodoroSettings): number {
  switch (phase) {
    case "focus":
      return settings.focusMs;
    case "short_break":
      return settings.shortBreakMs;
    case "long_break":
      return settings.longBreakMs;
    case "idle":
      return 0;
  }
}

/** Focus leads to a break (long after every Nth round); any break leads to focus. */
export function followingPhase(
  phase: Phase,
  completedFocusRounds: number,
  settings: PomodoroSettings,
): { phase: Phase; completedFocusRounds: number } {
  if (phase !== "focus") return { phase: "focus", completedFocusRounds };
  const completed = completedFocusRounds + 1;
  return { phase: completed % settings.longBreakEvery === 0 ? "long_break" : "short_break", completedFocusRounds: completed };
}

function cycleMs(settings: PomodoroSettings): number {
  const n = settings.longBreakEvery;
  return n * settings.focusMs + (n - 1) * settings.shortBreakMs + settings.longBreakMs;
}

function isValidDuration(ms: number): boolean {
  return Number.isFinite(ms) && ms > 0 && ms <= MAX_DURATION_MS;
}

function ok(state: TimerState): TimerResult {
  return { ok: true, state };
}

function timerError(code: TimerErrorCode, message: string): TimerError {
  return { code, message };
}

function fail(code: TimerErrorCode, message: string): TimerResult {
  return { ok: false, error: timerError(code, message) };
}

function notRunning(operation: string): TimerResult {
  return fail("not_running", `cannot ${operation}: the timer is idle`);
}
