// @ts-check
/**
 * The focus panel: today's rounds per member, this week's days as a heatmap (a table with the
 * numbers in it, shaded by how busy each day was), and the week's minutes per goal. Figures come
 * from GET /focus/stats and /focus/sessions (see lib/focus-panel.js); app.js reloads them when the
 * feed says `focus.completed`.
 *
 * @typedef {import("../../../shared/focus.ts").FocusStats} FocusStats
 * @typedef {import("../lib/focus-panel.js").HeatDay} HeatDay
 * @typedef {{ title: string, minutes: number, rounds: number }} GoalMinutes
 */
import { roundsAndMinutes } from "../lib/focus-panel.js";
import { dayDate } from "../lib/zoned-time.js";
import { byId, h, showMessage } from "./dom.js";

export class FocusView {
  #today = byId("focus-today", HTMLUListElement);
  #week = byId("focus-week", HTMLTableElement);
  #goals = byId("focus-goals", HTMLUListElement);
  #error = byId("focus-error", HTMLElement);

  /** @param {FocusStats} todayByMember */
  renderToday(todayByMember) {
    const groups = [...todayByMember.groups].sort((a, b) => b.rounds - a.rounds || String(a.key).localeCompare(String(b.key)));
    this.#today.replaceChildren(...(groups.length === 0
      ? [h("li", { class: "muted" }, "No focus rounds yet today.")]
      : groups.map((group) => h("li", { "data-member": group.key ?? "" }, h("span", {}, group.key ?? "nobody"), h("span", { class: "focus-figure" }, roundsAndMinutes(group.rounds, group.focus_minutes))))));
  }

  /** @param {readonly HeatDay[]} days @param {number} todayNumber */
  renderWeek(days, todayNumber) {
    const weekday = new Intl.DateTimeFormat(undefined, { weekday: "short", timeZone: "UTC" });
    const date = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
    const row = (/** @type {string} */ label, /** @type {(day: HeatDay) => string} */ value) => h("tr", {},
      h("th", { scope: "row" }, label),
      ...days.map((day) => h("td", { "data-level": day.level, "data-day": day.dayNumber, "data-today": day.dayNumber === todayNumber, title: `${date.format(dayDate(day.dayNumber))}: ${roundsAndMinutes(day.rounds, day.minutes)}` }, value(day))));
    this.#week.replaceChildren(
      h("caption", { class: "visually-hidden" }, "Focus this week, per day: minutes focused and rounds"),
      h("thead", {}, h("tr", {}, h("td", {}), ...days.map((day) => h("th", { scope: "col", abbr: date.format(dayDate(day.dayNumber)) }, weekday.format(dayDate(day.dayNumber)))))),
      h("tbody", {}, row("Minutes", (day) => String(day.minutes)), row("Rounds", (day) => String(day.rounds))),
    );
  }

  /** @param {readonly GoalMinutes[]} goals */
  renderGoals(goals) {
    this.#goals.replaceChildren(...(goals.length === 0
      ? [h("li", { class: "muted" }, "No focus rounds this week.")]
      : goals.map((goal) => h("li", {}, h("span", {}, goal.title), h("span", { class: "focus-figure" }, roundsAndMinutes(goal.rounds, goal.minutes))))));
  }

  /** @param {string} text empty to clear */
  showError(text) {
    showMessage(this.#error, text);
  }
}
