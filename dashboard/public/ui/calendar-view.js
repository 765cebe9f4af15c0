// @ts-check
/**
 * The calendar panel: a week grid (one column per day, one slot button per hour) with the team's
 * events on it, and the form that books, edits and deletes them. A click on a slot, or Enter on it
 * after moving with the arrow keys, fills the form with that hour; a click on an event edits it.
 *
 * @typedef {import("../lib/types.js").CalendarEvent} CalendarEvent
 * @typedef {import("../lib/types.js").ApiErrorInfo} ApiErrorInfo
 * @typedef {{ title: string, starts_at: string, ends_at: string, description: string }} EventFields
 * @typedef {{
 *   onWeekChange: (weekStart: Date) => void,
 *   onCreate: (fields: EventFields) => Promise<ApiErrorInfo | CalendarEvent>,
 *   onUpdate: (id: string, version: number, fields: EventFields) => Promise<ApiErrorInfo | CalendarEvent>,
 *   onDelete: (id: string, version: number) => Promise<ApiErrorInfo | null>,
 * }} CalendarHandlers
 */
import { describeError, formatTimeRange, slotConflicts } from "../lib/messages.js";
import { addWeeks, dayStart, DAYS_PER_WEEK, fromLocalInputValue, layoutWeek, slotInstant, startOfWeek, toLocalInputValue, weekDays } from "../lib/week.js";
import { byId, h, keepingFocus, showMessage } from "./dom.js";

const HOURS = 24;
/** The hour the grid scrolls to first: the working day, not midnight. */
const FIRST_VISIBLE_HOUR = 7;

export class CalendarView {
  #grid = byId("week-grid", HTMLElement);
  #scroller = byId("week-scroll", HTMLElement);
  #weekLabel = byId("week-label", HTMLElement);
  #form = byId("event-form", HTMLFormElement);
  #formHeading = byId("event-form-heading", HTMLElement);
  #title = byId("event-title", HTMLInputElement);
  #start = byId("event-start", HTMLInputElement);
  #end = byId("event-end", HTMLInputElement);
  #description = byId("event-description", HTMLTextAreaElement);
  #error = byId("event-error", HTMLElement);
  #status = byId("event-status", HTMLElement);
  #submit = byId("event-submit", HTMLButtonElement);
  #delete = byId("event-delete", HTMLButtonElement);
  #cancel = byId("event-cancel", HTMLButtonElement);
  #handlers;
  #weekStart = startOfWeek(new Date());
  /** @type {HTMLElement[]} one events layer per day column */
  #layers = [];
  /** @type {Map<string, { block: HTMLButtonElement, signature: string }>} event blocks by event id and day */
  #blocks = new Map();
  /** @type {readonly CalendarEvent[]} */
  #events = [];
  /** @type {{ id: string, version: number } | null} the event the form edits; null when booking */
  #editing = null;
  /** Ids of the events the last refused booking collided with, highlighted in the grid. */
  #conflictIds = new Set();
  #activeSlot = { day: 0, hour: 9 };
  #busy = false;

  /** @param {CalendarHandlers} handlers */
  constructor(handlers) {
    this.#handlers = handlers;
    byId("week-prev", HTMLButtonElement).addEventListener("click", () => this.showWeek(addWeeks(this.#weekStart, -1)));
    byId("week-next", HTMLButtonElement).addEventListener("click", () => this.showWeek(addWeeks(this.#weekStart, 1)));
    byId("week-today", HTMLButtonElement).addEventListener("click", () => this.showWeek(startOfWeek(new Date())));
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.#save();
    });
    this.#delete.addEventListener("click", () => void this.#deleteEditing());
    this.#cancel.addEventListener("click", () => this.#resetForm(""));
    this.#grid.addEventListener("keydown", (event) => this.#moveSlotFocus(event));
    this.#activeSlot.day = (new Date().getDay() + 6) % 7;
    this.#buildGrid();
    this.#scroller.scrollTop = FIRST_VISIBLE_HOUR * this.#hourHeight();
  }

  get weekStart() {
    return this.#weekStart;
  }

  /** @param {Date} weekStart a local Monday midnight */
  showWeek(weekStart) {
    this.#weekStart = weekStart;
    this.#conflictIds.clear();
    this.#buildGrid();
    this.#handlers.onWeekChange(weekStart);
  }

  /** Draws the events (every one the page knows; those outside the week are skipped). @param {readonly CalendarEvent[]} events */
  render(events) {
    this.#events = events;
    const days = layoutWeek(events, this.#weekStart);
    keepingFocus(() => {
      days.forEach((placements, day) => {
        const layer = this.#layers[day];
        if (layer === undefined) return;
        const blocks = placements.map((placement) => this.#block(placement));
        // Untouched blocks stay in place: a live update must not eat a click or move the focus.
        const current = [...layer.children];
        if (current.length !== blocks.length || current.some((child, i) => child !== blocks[i])) layer.replaceChildren(...blocks);
      });
    });
    const shown = new Set(days.flat().map((placement) => `${placement.event.id}:${placement.day}`));
    for (const key of this.#blocks.keys()) if (!shown.has(key)) this.#blocks.delete(key);
    // The event being edited was deleted by someone else: the form must not keep pretending.
    if (this.#editing !== null && !events.some((event) => event.id === this.#editing?.id)) {
      this.#resetForm("");
      showMessage(this.#error, "The event you were editing was deleted by someone else.");
    }
  }

  /**
   * The button for one event's piece in one day: reused while nothing it shows has changed.
   * @param {import("../lib/week.js").Placement} placement
   */
  #block(placement) {
    const { event, day } = placement;
    const conflict = this.#conflictIds.has(event.id);
    const editing = this.#editing?.id === event.id;
    const signature = JSON.stringify([event.version, event.title, event.starts_at, event.ends_at, placement.lane, placement.lanes, conflict, editing]);
    const key = `${event.id}:${day}`;
    const cached = this.#blocks.get(key);
    if (cached !== undefined && cached.signature === signature) return cached.block;
    const when = formatTimeRange(event.starts_at, event.ends_at);
    const block = h("button", {
      type: "button",
      class: "event-block",
      "data-event-id": event.id,
      "data-focus-key": `event:${key}`,
      "data-conflict": conflict,
      "data-editing": editing,
      "aria-label": `${event.title}, ${when}${event.calendar === "team" ? "" : `, calendar ${event.calendar}`}. Edit`,
      style: `--start:${placement.startMinute};--end:${placement.endMinute};--lane:${placement.lane};--lanes:${placement.lanes}`,
    },
      h("span", { class: "event-title" }, event.title),
      h("span", { class: "event-time" }, when.split(", ").at(-1) ?? when),
    );
    block.addEventListener("click", () => {
      const latest = this.#events.find((candidate) => candidate.id === event.id);
      if (latest !== undefined) this.#edit(latest);
    });
    this.#blocks.set(key, { block, signature });
    return block;
  }

  /** The week grid's skeleton: day headings, hour labels, one slot button per hour. */
  #buildGrid() {
    const days = weekDays(this.#weekStart);
    const dayName = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric" });
    const longDay = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
    const hourName = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const today = new Date().toDateString();
    this.#weekLabel.textContent = `Week of ${new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" })
      .formatRange(this.#weekStart, dayStart(this.#weekStart, DAYS_PER_WEEK - 1))}`;
    const gutter = h("div", { class: "hour-gutter", "aria-hidden": "true" },
      ...Array.from({ length: HOURS }, (_, hour) => h("div", { class: "hour-label" }, hourName.format(new Date(2000, 0, 1, hour)))));
    this.#layers = [];
    this.#blocks.clear();
    const columns = days.map((date, day) => {
      const slots = Array.from({ length: HOURS }, (_, hour) => {
        const active = day === this.#activeSlot.day && hour === this.#activeSlot.hour;
        const slot = h("button", {
          type: "button",
          class: "slot",
          tabindex: active ? 0 : -1,
          "data-day": day,
          "data-hour": hour,
          "aria-label": `Book ${longDay.format(date)}, ${hourName.format(new Date(2000, 0, 1, hour))}`,
        });
        slot.addEventListener("click", () => this.#pickSlot(day, hour));
        return slot;
      });
      const layer = h("div", { class: "events-layer" });
      this.#layers.push(layer);
      return h("div", { class: "day-column", "data-day": day, "data-today": date.toDateString() === today }, ...slots, layer);
    });
    const heads = days.map((date, day) =>
      h("div", { class: "day-head", "data-day": day, "aria-current": date.toDateString() === today ? "date" : false }, dayName.format(date)));
    this.#grid.replaceChildren(h("div", { class: "corner" }), ...heads, gutter, ...columns);
    this.render(this.#events);
    // On a narrow screen only a few days fit: bring today (or Monday) into view.
    const todayHead = heads.find((head) => head.hasAttribute("aria-current"));
    this.#scroller.scrollLeft = todayHead === undefined ? 0 : Math.max(0, todayHead.offsetLeft - gutter.offsetWidth);
  }

  #hourHeight() {
    const slot = this.#grid.querySelector(".slot");
    return slot instanceof HTMLElement && slot.offsetHeight > 0 ? slot.offsetHeight : 48;
  }

  /** Arrow keys move between slots (one tab stop for the whole grid); Enter or Space picks one. @param {KeyboardEvent} event */
  #moveSlotFocus(event) {
    const target = event.target;
    if (!(target instanceof HTMLElement) || !target.classList.contains("slot")) return;
    const moves = /** @type {Record<string, [number, number]>} */ ({ ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] });
    const move = moves[event.key];
    if (move === undefined) return;
    event.preventDefault();
    const day = Math.min(DAYS_PER_WEEK - 1, Math.max(0, Number(target.dataset.day) + move[0]));
    const hour = Math.min(HOURS - 1, Math.max(0, Number(target.dataset.hour) + move[1]));
    const next = this.#grid.querySelector(`.slot[data-day="${day}"][data-hour="${hour}"]`);
    if (!(next instanceof HTMLElement)) return;
    target.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
    this.#activeSlot = { day, hour };
  }

  /** @param {number} day @param {number} hour */
  #pickSlot(day, hour) {
    this.#activeSlot = { day, hour };
    for (const slot of this.#grid.querySelectorAll(".slot")) {
      if (slot instanceof HTMLElement) slot.tabIndex = Number(slot.dataset.day) === day && Number(slot.dataset.hour) === hour ? 0 : -1;
    }
    const keepTitle = this.#editing === null ? this.#title.value : "";
    this.#resetForm("");
    this.#title.value = keepTitle;
    const start = slotInstant(this.#weekStart, day, hour * 60);
    this.#start.value = toLocalInputValue(start);
    this.#end.value = toLocalInputValue(new Date(start.getTime() + 60 * 60_000));
    this.#title.focus();
  }

  /** @param {CalendarEvent} event */
  #edit(event) {
    this.#editing = { id: event.id, version: event.version };
    this.#formHeading.textContent = `Edit “${event.title}”`;
    this.#title.value = event.title;
    this.#start.value = toLocalInputValue(new Date(event.starts_at));
    this.#end.value = toLocalInputValue(new Date(event.ends_at));
    this.#description.value = event.description;
    this.#submit.textContent = "Save changes";
    this.#delete.hidden = false;
    this.#cancel.hidden = false;
    showMessage(this.#error, "");
    this.#status.textContent = "";
    this.render(this.#events);
    this.#title.focus();
  }

  /** Back to booking a new event, with `status` said politely. @param {string} status */
  #resetForm(status) {
    const wasEditing = this.#editing !== null;
    this.#editing = null;
    this.#form.reset();
    this.#formHeading.textContent = "Book a slot";
    this.#submit.textContent = "Book";
    this.#delete.hidden = true;
    this.#cancel.hidden = true;
    showMessage(this.#error, "");
    this.#status.textContent = status;
    if (wasEditing) this.render(this.#events);
  }

  /** @returns {EventFields | string} the fields, or what is wrong with them */
  #readForm() {
    const title = this.#title.value.trim();
    if (title === "") return "Give the event a title.";
    const startsAt = fromLocalInputValue(this.#start.value);
    if (startsAt === null) return "Choose when the event starts.";
    const endsAt = fromLocalInputValue(this.#end.value);
    if (endsAt === null) return "Choose when the event ends.";
    if (Date.parse(endsAt) <= Date.parse(startsAt)) return "The event must end after it starts.";
    return { title, starts_at: startsAt, ends_at: endsAt, description: this.#description.value };
  }

  async #save() {
    if (this.#busy) return;
    const fields = this.#readForm();
    if (typeof fields === "string") {
      showMessage(this.#error, fields);
      return;
    }
    this.#busy = true;
    this.#submit.disabled = true;
    try {
      const editing = this.#editing;
      const result = editing === null ? await this.#handlers.onCreate(fields) : await this.#handlers.onUpdate(editing.id, editing.version, fields);
      if ("code" in result) {
        this.#showRefusal(result, editing === null ? "the slot" : "the event");
        if (result.code === "precondition_failed" && editing !== null) this.#reloadEditingFrom(editing.id);
        return;
      }
      this.#conflictIds.clear();
      const verb = editing === null ? "Booked" : "Saved";
      this.#resetForm(`${verb} “${result.title}”, ${formatTimeRange(result.starts_at, result.ends_at)}.`);
      this.#showWeekOf(result);
    } finally {
      this.#busy = false;
      this.#submit.disabled = false;
    }
  }

  async #deleteEditing() {
    const editing = this.#editing;
    if (editing === null || this.#busy) return;
    if (!window.confirm(`Delete “${this.#title.value}”?`)) return;
    this.#busy = true;
    try {
      const error = await this.#handlers.onDelete(editing.id, editing.version);
      if (error !== null) {
        this.#showRefusal(error, "the event");
        if (error.code === "precondition_failed") this.#reloadEditingFrom(editing.id);
        return;
      }
      this.#resetForm("Event deleted.");
    } finally {
      this.#busy = false;
    }
  }

  /** @param {ApiErrorInfo} error @param {string} what */
  #showRefusal(error, what) {
    this.#conflictIds = new Set(slotConflicts(error).map((conflict) => conflict.id));
    showMessage(this.#error, describeError(error, { what }));
    this.render(this.#events);
  }

  /** After a 412: show the latest version in the form, keep the error visible. @param {string} id */
  #reloadEditingFrom(id) {
    const latest = this.#events.find((event) => event.id === id);
    if (latest === undefined) return;
    const message = this.#error.textContent ?? "";
    this.#edit(latest);
    showMessage(this.#error, message);
  }

  /** After booking in another week (typed in the form), go to that week so the event is seen. @param {CalendarEvent} event */
  #showWeekOf(event) {
    const weekStart = startOfWeek(new Date(event.starts_at));
    if (weekStart.getTime() !== this.#weekStart.getTime()) this.showWeek(weekStart);
  }
}
