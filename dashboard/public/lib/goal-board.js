// @ts-check
/**
 * The goals board's rules: which column a goal sits in, whether it is overdue, and the names the
 * owner field offers.
 *
 * No DOM here.
 *
 * @typedef {import("./types.js").Goal} Goal
 * @typedef {"todo" | "doing" | "done"} GoalColumn
 */

/** Done when completed; in progress once it has any progress; to do before that. @param {Goal} goal @returns {GoalColumn} */
export function goalColumn(goal) {
  if (goal.completed) return "done";
  return goal.progress > 0 ? "doing" : "todo";
}

/**
 * A goal's due date is a calendar date (stored as that date's UTC midnight): it is overdue once
 * that date is over where the member is, unless it is done.
 * @param {Goal} goal @param {string} today the member's date, "2026-12-01"
 */
export function isOverdue(goal, today) {
  if (goal.completed || !goal.due) return false;
  return goal.due.slice(0, 10) < today;
}

/** Whether the due date is today. @param {Goal} goal @param {string} today */
export function isDueToday(goal, today) {
  return !goal.completed && !!goal.due && goal.due.slice(0, 10) === today;
}

/** "2026-12-01" for instant `ms` in `zone`. @param {number} ms @param {string} [zone] */
export function dateInZone(ms, zone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);
}

/**
 * The members the page knows of: the team's roster (GET /me/team), who is signed in, who has the
 * dashboard open, the agents' members, and the goals' owners, once each, by name.
 * @param {{ me: string | null, people: readonly string[], agentMembers: readonly string[], owners: readonly string[], roster?: readonly string[] }} known
 */
export function knownMembers({ me, people, agentMembers, owners, roster = [] }) {
  const names = new Set([...roster, ...(me ? [me] : []), ...people, ...agentMembers, ...owners].filter((name) => name.trim() !== ""));
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** "AN" for "ana", "BL" for "bo lee", "?" for nothing: the initials on an avatar. @param {string} name */
export function initials(name) {
  const words = name.trim().split(/[\s._-]+/).filter(Boolean);
  if (words.length === 0) return "?";
  const letters = words.length === 1 ? [...(words[0] ?? "")].slice(0, 2) : words.slice(0, 2).map((word) => [...word][0] ?? "");
  return letters.join("").toUpperCase();
}
