// @ts-check
/**
 * The countdown, computed from the timer's deadline, never by counting ticks: a background tab whose
 * timers the browser throttled shows the right time the moment it is looked at again.
 *
 * The deadline (`ends_at`) is in the worker's clock, so the browser needs the offset between the
 * two clocks: offset = worker clock − browser clock, estimated from a reading of the worker's clock
 * taken between sending a request and receiving its answer (NTP's midpoint rule).
 *
 * No DOM here: everything takes `now` as an argument.
 *
 * @typedef {import("./types.js").TeamTimer} TeamTimer
 * @typedef {{ offsetMs: number, uncertaintyMs: number }} OffsetSample
 */

/**
 * One estimate of the offset from one reading of the worker's clock.
 * @param {{ serverTimeMs: number, sentAtMs: number, receivedAtMs: number, resolutionMs?: number }} reading
 *   `resolutionMs`: how coarse the reading is. An HTTP Date header has whole seconds (1000): the
 *   worker's clock was somewhere in [serverTimeMs, serverTimeMs + 1000) when it wrote it.
 * @returns {OffsetSample}
 */
export function offsetSample({ serverTimeMs, sentAtMs, receivedAtMs, resolutionMs = 0 }) {
  const roundTripMs = Math.max(0, receivedAtMs - sentAtMs);
  const midpointMs = sentAtMs + roundTripMs / 2;
  return {
    offsetMs: serverTimeMs + resolutionMs / 2 - midpointMs,
    uncertaintyMs: roundTripMs / 2 + resolutionMs / 2,
  };
}

/** A reading from an HTTP Date header ("Tue, 24 Nov 2026 03:12:09 GMT"), or null when absent or unreadable. */
export function dateHeaderSample(/** @type {string | null} */ dateHeader, /** @type {number} */ sentAtMs, /** @type {number} */ receivedAtMs) {
  if (dateHeader === null) return null;
  const serverTimeMs = Date.parse(dateHeader);
  if (!Number.isFinite(serverTimeMs)) return null;
  return offsetSample({ serverTimeMs, sentAtMs, receivedAtMs, resolutionMs: 1000 });
}

/**
 * Keeps the most precise sample. When the browser clock may have jumped (the tab comes back after
 * the laptop slept), `expire()` makes the next sample replace it whatever its precision, so a stale
 * sample cannot win by having been precise; until then the old one still serves.
 */
export class ClockOffset {
  /** @type {OffsetSample | null} */
  #best = null;
  #expired = false;

  /** @param {OffsetSample | null} sample */
  add(sample) {
    if (sample === null || !Number.isFinite(sample.offsetMs)) return;
    if (this.#best === null || this.#expired || sample.uncertaintyMs <= this.#best.uncertaintyMs) this.#best = sample;
    this.#expired = false;
  }

  expire() {
    this.#expired = true;
  }

  /** Worker clock − browser clock in ms; 0 until a sample arrives (same machine, same clock). */
  get offsetMs() {
    return this.#best === null ? 0 : this.#best.offsetMs;
  }

  get uncertaintyMs() {
    return this.#best === null ? Infinity : this.#best.uncertaintyMs;
  }
}

/**
 * What is left of the current phase, in ms, at browser time `nowMs`.
 * Running: the deadline minus the worker's time now, never more than the phase's length (an error
 * in the estimated offset must not show 10:01 of a 10-minute focus). Paused: what the worker said
 * was left. Idle: the length a focus round would have, so the page shows what "start" will do.
 * @param {TeamTimer} timer
 * @param {number} nowMs browser clock (Date.now())
 * @param {number} offsetMs worker clock − browser clock
 */
export function remainingMs(timer, nowMs, offsetMs) {
  if (timer.phase === "idle") return timer.settings.focus_ms;
  if (timer.paused || timer.ends_at === null) return Math.max(0, timer.remaining_ms);
  return Math.min(timer.duration_ms, Math.max(0, timer.ends_at - (nowMs + offsetMs)));
}

/**
 * mm:ss, or h:mm:ss from an hour up. Rounded up, as countdowns are: 0.4 s left shows 00:01 and
 * 00:00 appears only when the phase is over.
 */
export function formatCountdown(/** @type {number} */ ms) {
  const totalSeconds = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const mmss = `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

/** @type {Record<TeamTimer["phase"], string>} */
const PHASE_NAMES = { idle: "Idle", focus: "Focus", short_break: "Short break", long_break: "Long break" };

export function phaseName(/** @type {TeamTimer["phase"]} */ phase) {
  return PHASE_NAMES[phase] ?? phase;
}

/** The phase as the page states it: "Focus", "Short break (paused)", "Idle". */
export function phaseLabel(/** @type {TeamTimer} */ timer) {
  return timer.paused && timer.phase !== "idle" ? `${phaseName(timer.phase)} (paused)` : phaseName(timer.phase);
}

/**
 * What a screen reader should hear when the timer changes in a way that matters (a new phase,
 * paused, resumed, stopped), or null when nothing worth announcing happened (a resync, a new term).
 * @param {TeamTimer | null} before
 * @param {TeamTimer} after
 */
export function timerAnnouncement(before, after) {
  if (before === null) return null;
  if (before.phase !== after.phase) {
    if (after.phase === "idle") return "Timer stopped.";
    return `${phaseName(after.phase)} started.`;
  }
  if (after.phase === "idle") return null;
  if (!before.paused && after.paused) return `${phaseName(after.phase)} paused.`;
  if (before.paused && !after.paused) return `${phaseName(after.phase)} resumed.`;
  if (before.start_time !== after.start_time) return `${phaseName(after.phase)} restarted.`;
  return null;
}

/**
 * Which controls make sense now; the others are disabled (the worker would refuse them anyway).
 * @param {TeamTimer | null} timer
 */
export function availableControls(timer) {
  const idle = timer === null || timer.phase === "idle";
  const paused = timer !== null && timer.paused;
  return {
    start: timer !== null && idle,
    pause: !idle && !paused,
    resume: !idle && paused,
    skip: !idle,
    stop: !idle,
    set: !idle,
  };
}

/**
 * The page title, so the countdown can be read from the tab strip: "12:34 Focus · GroupSync".
 * @param {TeamTimer | null} timer
 * @param {number} remaining
 */
export function documentTitle(timer, remaining) {
  if (timer === null || timer.phase === "idle") return "GroupSync";
  return `${formatCountdown(remaining)} ${phaseLabel(timer)} · GroupSync`;
}

/** "1 focus round done · a long break after every 4 rounds", in plain words and right plurals. @param {number} round @param {number} every */
export function roundsLabel(round, every) {
  const rounds = (/** @type {number} */ n) => `${n} focus ${n === 1 ? "round" : "rounds"}`;
  return `${rounds(round)} done · a long break ${every === 1 ? "after every round" : `after every ${every} rounds`}`;
}
