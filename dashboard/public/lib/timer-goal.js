// @ts-check
/**
 * What a timer session is for: the goals the strip's picker offers when starting, and the line that
 * names the session's goal ("Focus on Ship v2"). No DOM here.
 *
 * @typedef {import("./types.js").Goal} Goal
 * @typedef {import("./types.js").TeamTimer} TeamTimer
 */
import { isClosed } from "./goal-board.js";

/** The goals a session can be for: the open ones, by title. @param {Iterable<Goal>} goals @returns {Goal[]} */
export function goalChoices(goals) {
  return [...goals].filter((goal) => !isClosed(goal)).sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
}

/**
 * The strip's words for the session's goal: empty when the timer is idle or the session has none;
 * a goal deleted meanwhile (or not loaded yet) is named by its id.
 * @param {TeamTimer | null} timer @param {ReadonlyMap<string, Goal>} goals
 */
export function sessionGoalLine(timer, goals) {
  if (timer === null || timer.phase === "idle" || timer.goal === undefined || timer.goal === null) return "";
  const goal = goals.get(timer.goal);
  return goal === undefined ? `Focus on goal ${timer.goal}` : `Focus on ${goal.title}`;
}
