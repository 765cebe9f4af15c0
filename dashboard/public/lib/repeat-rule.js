// @ts-check
/**
 * The booking form's repeat picker as RFC 5545 lines (README "Recurring events"), and a series'
 * lines said back in words ("Weekly on Monday, 4 times"). Pure: the start and the view's zone come
 * in, so the weekday and day of month are the ones the user sees.
 *
 * @typedef {"none" | "daily" | "weekdays" | "weekly" | "monthly-day" | "monthly-weekday" | "custom"} RepeatKind
 * @typedef {{ kind: "never" } | { kind: "count", count: number } | { kind: "until", untilMs: number }} RepeatEnd
 *   `untilMs`: the last instant an occurrence may start (the end of the chosen day in the view's zone)
 */

const WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const ORDINALS = { 1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", [-1]: "last" };

/** The start's weekday (0 = Monday), day of month and which of its weekday in the month, in `zone`. @param {number} startMs @param {string} zone */
export function startParts(startMs, zone) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "short", day: "numeric" }).formatToParts(startMs);
  const weekdayName = parts.find((p) => p.type === "weekday")?.value ?? "Mon";
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(weekdayName);
  const day = Number(parts.find((p) => p.type === "day")?.value);
  return { weekday, day, nth: Math.ceil(day / 7) };
}

/** An instant as RFC 5545 UTC text, 20261130T090000Z. @param {number} ms */
function utcText(ms) {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * The `recurrence` lines for a picker choice; [] for "does not repeat"; for "custom" the text typed,
 * one line per line (an "RRULE:" prefix added when missing). An invalid choice is a message.
 * @param {{ kind: RepeatKind, startMs: number, zone: string, end: RepeatEnd, custom?: string }} choice
 * @returns {string[] | { error: string }}
 */
export function repeatLines({ kind, startMs, zone, end, custom = "" }) {
  if (kind === "none") return [];
  if (kind === "custom") {
    const lines = custom.split("\n").map((line) => line.trim()).filter((line) => line !== "");
    if (lines.length === 0) return { error: "Type the repeat rule, such as FREQ=WEEKLY;BYDAY=MO,TH." };
    return lines.map((line) => (/^(RRULE|EXDATE|RDATE)[:;]/i.test(line) ? line : `RRULE:${line}`));
  }
  const { weekday, day, nth } = startParts(startMs, zone);
  const rule = {
    daily: "FREQ=DAILY",
    weekdays: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    weekly: `FREQ=WEEKLY;BYDAY=${WEEKDAY_CODES[weekday]}`,
    "monthly-day": `FREQ=MONTHLY;BYMONTHDAY=${day}`,
    // A fifth weekday is not in every month: "the last" is what people mean by it.
    "monthly-weekday": `FREQ=MONTHLY;BYDAY=${nth === 5 ? -1 : nth}${WEEKDAY_CODES[weekday]}`,
  }[kind];
  if (end.kind === "count") {
    if (!Number.isInteger(end.count) || end.count < 1 || end.count > 1000) return { error: "The number of times is a whole number from 1 to 1000." };
    return [`RRULE:${rule};COUNT=${end.count}`];
  }
  if (end.kind === "until") {
    if (!Number.isFinite(end.untilMs) || end.untilMs < startMs) return { error: "The last day must be on or after the first." };
    return [`RRULE:${rule};UNTIL=${utcText(end.untilMs)}`];
  }
  return [`RRULE:${rule}`];
}

/**
 * A series' lines in words, for the detail panel: "Weekly on Monday, 4 times". A rule the words do
 * not cover is shown as typed.
 * @param {readonly string[]} lines @param {string} zone the view's zone, for an UNTIL date
 */
export function describeRepeat(lines, zone) {
  const ruleLine = lines.find((line) => /^RRULE:/i.test(line));
  if (ruleLine === undefined) return "Repeats on chosen dates";
  /** @type {Record<string, string>} */
  const parts = Object.fromEntries(ruleLine.slice(6).split(";").map((part) => part.split("=")).map(([k = "", v = ""]) => [k.toUpperCase(), v.toUpperCase()]));
  const interval = Number(parts.INTERVAL ?? 1);
  const days = (parts.BYDAY ?? "").split(",").filter((d) => d !== "");
  const names = days.map((d) => WEEKDAY_NAMES[WEEKDAY_CODES.indexOf(d)]);
  const list = (/** @type {(string | undefined)[]} */ words) => words.length <= 1 ? String(words[0]) : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
  let words = null;
  if (interval === 1 && parts.BYMONTHDAY === undefined && parts.BYMONTH === undefined) {
    if (parts.FREQ === "DAILY" && days.length === 0) words = "Daily";
    else if (parts.FREQ === "WEEKLY" && days.join(",") === "MO,TU,WE,TH,FR") words = "Every weekday";
    else if (parts.FREQ === "WEEKLY" && days.length > 0 && !names.includes(undefined)) words = `Weekly on ${list(names)}`;
    else if (parts.FREQ === "MONTHLY" && days.length === 1) {
      const match = /^(-?\d)([A-Z]{2})$/.exec(days[0] ?? "");
      const ordinal = match === null ? undefined : ORDINALS[/** @type {keyof typeof ORDINALS} */ (Number(match[1]))];
      const name = match === null ? undefined : WEEKDAY_NAMES[WEEKDAY_CODES.indexOf(match[2] ?? "")];
      if (ordinal !== undefined && name !== undefined) words = `Monthly on the ${ordinal} ${name}`;
    }
  } else if (interval === 1 && parts.FREQ === "MONTHLY" && days.length === 0 && parts.BYMONTH === undefined && /^\d+$/.test(parts.BYMONTHDAY ?? "")) {
    words = `Monthly on day ${parts.BYMONTHDAY}`;
  }
  if (words === null) return `Repeats: ${ruleLine.slice(6)}`;
  if (parts.COUNT !== undefined) return `${words}, ${parts.COUNT === "1" ? "once" : `${parts.COUNT} times`}`;
  if (parts.UNTIL !== undefined) {
    const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(parts.UNTIL);
    if (m === null) return `${words}, until ${parts.UNTIL}`;
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
    return `${words}, until ${new Intl.DateTimeFormat("en-GB", { timeZone: zone, day: "numeric", month: "short", year: "numeric" }).format(ms)}`;
  }
  return words;
}
