// @ts-check
/**
 * The goals board's rules: which column a goal sits in, whether it is overdue, and the names the
 * owner field offers.
 *
 * No DOM here.
 *
 * @typedef {import("./types.js").Goal} Goal
 * @typedef {Goal["key_results"][number]} KeyResult
 * @typedef {"todo" | "doing" | "done" | "closed"} GoalColumn
 */

/**
 * By state: achieved goals are done; missed and dropped ones are closed (a group of their own, so
 * they never sit among the open ones); an open goal is in progress once it has any progress.
 * Goals stored before `state` existed have only `completed`.
 * @param {Goal} goal @returns {GoalColumn}
 */
export function goalColumn(goal) {
  const state = goal.state ?? (goal.completed ? "achieved" : "open");
  switch (state) {
    case "achieved": return "done";
    case "missed":
    case "dropped": return "closed";
    case "open": return goal.progress > 0 ? "doing" : "todo";
    default: {
      /** @type {never} */ const never = state;
      return never;
    }
  }
}

/** Whether the goal is closed in any way (achieved, missed, dropped). @param {Goal} goal */
export function isClosed(goal) {
  return goalColumn(goal) === "done" || goalColumn(goal) === "closed";
}

/** The words for a state, shown on closed cards. @param {Goal["state"]} state */
export function stateLabel(state) {
  return { open: "Open", achieved: "Achieved", missed: "Missed", dropped: "Dropped" }[state];
}

/** The words for a check-in's health: the badge says it in words, not colour alone. @param {Goal["health"]} health */
export function healthLabel(health) {
  return health === null ? "No check-in yet" : { on_track: "On track", at_risk: "At risk", off_track: "Off track" }[health];
}

/**
 * One key-result value with its metric's unit: "1,234" for a number, "40%" for a percent,
 * "€10,000.00" for a currency (Intl.NumberFormat), "done"/"not done" for a done one.
 * @param {KeyResult} kr @param {number} value @param {string} [locale]
 */
export function formatKeyResultValue(kr, value, locale) {
  switch (kr.metric) {
    case "number": return new Intl.NumberFormat(locale).format(value);
    case "percent": return `${new Intl.NumberFormat(locale).format(value)}%`;
    case "currency": return new Intl.NumberFormat(locale, { style: "currency", currency: kr.currency ?? "XXX" }).format(value);
    case "done": return value === 1 ? "done" : "not done";
    default: {
      /** @type {never} */ const never = kr.metric;
      return never;
    }
  }
}

/** "40 / 200", "€5.00 / €10,000.00", "✓ done": what a key result's line says. @param {KeyResult} kr @param {string} [locale] */
export function keyResultSummary(kr, locale) {
  if (kr.metric === "done") return kr.current === kr.target ? "✓ done" : "not done";
  return `${formatKeyResultValue(kr, kr.current, locale)} / ${formatKeyResultValue(kr, kr.target, locale)}`;
}

/**
 * A check-in's body from the form's values: the health, the note when there is one, and the key
 * results whose value changed. A value that is not a number is refused by name, before sending.
 * @param {Goal} goal
 * @param {{ health: string, note: string, values: Record<string, string> }} form key result id -> typed value
 * @returns {{ ok: true, body: { health: string, note?: string, key_results?: { id: string, current: number }[] } } | { ok: false, message: string }}
 */
export function checkInBody(goal, { health, note, values }) {
  if (!["on_track", "at_risk", "off_track"].includes(health)) return { ok: false, message: "Pick how the goal is doing: on track, at risk or off track." };
  /** @type {{ id: string, current: number }[]} */
  const keyResults = [];
  for (const kr of goal.key_results) {
    const typed = values[kr.id];
    if (typed === undefined || typed.trim() === "") continue;
    const current = Number(typed);
    if (!Number.isFinite(current)) return { ok: false, message: `“${kr.title}” needs a number.` };
    if (current !== kr.current) keyResults.push({ id: kr.id, current });
  }
  return { ok: true, body: { health, ...(note.trim() === "" ? {} : { note }), ...(keyResults.length === 0 ? {} : { key_results: keyResults }) } };
}

/**
 * A goal's due date is a calendar date (stored as that date's UTC midnight): it is overdue once
 * that date is over where the member is, unless it is done.
 * @param {Goal} goal @param {string} today the member's date, "2026-12-01"
 */
export function isOverdue(goal, today) {
  if (isClosed(goal) || !goal.due) return false;
  return goal.due.slice(0, 10) < today;
}

/** Whether the due date is today. @param {Goal} goal @param {string} today */
export function isDueToday(goal, today) {
  return !isClosed(goal) && !!goal.due && goal.due.slice(0, 10) === today;
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

/**
 * A refused check-in's message with the key result named by its title, not by its place in the
 * request ("key_results.0.current: must be from 0 to 100 (percent)" -> "“Churn”: must be …").
 * @param {Goal} goal @param {{ key_results?: { id: string }[] }} body the check-in that was sent @param {string} message
 */
export function checkInRefusal(goal, body, message) {
  const match = /^key_results\.(\d+)\.(?:id|current): (.*)$/s.exec(message);
  const sent = match === null ? undefined : body.key_results?.[Number(match[1])];
  const kr = sent === undefined ? undefined : goal.key_results.find((candidate) => candidate.id === sent.id);
  return kr === undefined || match === null ? message : `“${kr.title}”: ${match[2]}`;
}
