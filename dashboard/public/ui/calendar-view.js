// @ts-check
/**
 * The calendar panel: a day, week or month view of the team's events, coloured by calendar with a
 * legend that filters them; below it the selected event's details and the form that books, edits
 * and deletes. In the day and week views (one column per day, one slot button per hour) a click on
 * a slot, or Enter on it after moving with the arrow keys, fills the form with that hour; dragging
 * across free time fills it with what was dragged (Shift+Arrow keys on a slot do the same); an
 * event is moved by dragging it (Alt+Arrow keys) and its end by dragging its bottom edge
 * (Alt+Shift+Arrow keys), in 15-minute steps; a click on an event shows it and edits it. Days and
 * hours are in the time zone picked above the grid (the browser's by default).
 *
 * @typedef {import("../lib/types.js").CalendarEvent} CalendarEvent
 * @typedef {import("../lib/types.js").ApiErrorInfo} ApiErrorInfo
 * @typedef {import("../lib/api.js").ReadRecord} ReadRecord
 * @typedef {import("../lib/week.js").Placement} Placement
 * @typedef {{ title: string, starts_at: string, ends_at: string, description: string, calendar: string, recurrence?: string[], time_zone?: string }} EventFields
 * @typedef {{
 *   onRangeChange: () => void,
 *   onCreate: (fields: EventFields) => Promise<ApiErrorInfo | CalendarEvent>,
 *   onUpdate: (id: string, read: ReadRecord & { occurrence_start?: string }, fields: EventFields) => Promise<ApiErrorInfo | CalendarEvent>,
 *   onDelete: (id: string, read: ReadRecord & { occurrence_start?: string }) => Promise<ApiErrorInfo | null>,
 * }} CalendarHandlers
 */
import { calendarColor, calendarsInOrder } from "../lib/calendar-colors.js";
import { foldOverflow } from "../lib/column-overflow.js";
import { describeError, formatTimeRange, HELD_BY_TRANSACTION, slotConflicts, timeFormat } from "../lib/messages.js";
import { inMonthOf, isView, stepAnchor, viewDays } from "../lib/calendar-views.js";
import { moved, resized, STEP_MINUTES } from "../lib/drag-steps.js";
import { fromLocalInputValue, layoutDays, slotInstant, toLocalInputValue, today } from "../lib/week.js";
import { browserZone, dayDate, isKnownZone, offsetLabel } from "../lib/zoned-time.js";
import { eventKey } from "../lib/event-key.js";
import { describeRepeat, repeatLines } from "../lib/repeat-rule.js";
import { byId, h, keepingFocus, showMessage } from "./dom.js";
import { GridDrag } from "./grid-drag.js";

const HOURS = 24;
/** The working day the grid shows first; events outside it are hinted above and below the grid. */
const FIRST_VISIBLE_HOUR = 7;
const TEAM_CALENDAR = "team";
/** Shorter pieces are drawn on one line, title first, so the title is never cut for the time. */
const SHORT_MINUTES = 45;
const CALENDAR_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ZONE_KEY = "groupsync.zone";
const HIDDEN_KEY = "groupsync.hiddenCalendars";
const HELD_PREFIX = "held:";
const VIEW_KEY = "groupsync.calendarView";
/** Event chips a month cell shows before "+N more". */
const MONTH_CHIPS = 3;
/** The least width (px) an event beside others keeps, so its title reads as words, not "Q…"; more fold into "+N". */
const MIN_EVENT_WIDTH = 64;
/** The strip (px) a crowded cluster leaves at its right for its "+N" chips: --more-width in style.css. */
const MORE_WIDTH = 28;

const storage = {
  /** @param {string} key */
  get: (key) => { try { return localStorage.getItem(key); } catch { return null; } },
  /** @param {string} key @param {string} value */
  set: (key, value) => { try { localStorage.setItem(key, value); } catch { /* private mode: this session only */ } },
};

export class CalendarView {
  #grid = byId("week-grid", HTMLElement);
  #scroller = byId("week-scroll", HTMLElement);
  #weekLabel = byId("week-label", HTMLElement);
  #zoneSelect = byId("time-zone", HTMLSelectElement);
  #legend = byId("calendar-legend", HTMLElement);
  #calendarOptions = byId("calendar-options", HTMLDataListElement);
  #earlierHint = byId("earlier-hint", HTMLButtonElement);
  #laterHint = byId("later-hint", HTMLButtonElement);
  #detail = byId("event-detail", HTMLElement);
  #form = byId("event-form", HTMLFormElement);
  #formHeading = byId("event-form-heading", HTMLElement);
  #title = byId("event-title", HTMLInputElement);
  #start = byId("event-start", HTMLInputElement);
  #end = byId("event-end", HTMLInputElement);
  #calendar = byId("event-calendar", HTMLInputElement);
  #description = byId("event-description", HTMLTextAreaElement);
  #repeat = byId("event-repeat", HTMLSelectElement);
  #repeatCount = byId("event-repeat-count", HTMLInputElement);
  #repeatRule = byId("event-repeat-rule", HTMLInputElement);
  #error = byId("event-error", HTMLElement);
  #status = byId("event-status", HTMLElement);
  #submit = byId("event-submit", HTMLButtonElement);
  #delete = byId("event-delete", HTMLButtonElement);
  #cancel = byId("event-cancel", HTMLButtonElement);
  #handlers;
  #zone = browserZone();
  /** @type {import("../lib/calendar-views.js").CalendarViewName} */
  #view = "week";
  /** The day the view is about (day number); the view shows the day, week or month holding it. */
  #anchor = 0;
  /** @type {GridDrag} */
  #drag;
  /** @type {HTMLElement[]} one events layer per day column */
  #layers = [];
  /** @type {Map<string, { block: HTMLElement, signature: string }>} event blocks by event id and day */
  #blocks = new Map();
  /** @type {readonly CalendarEvent[]} */
  #events = [];
  /** @type {Placement[]} the pieces on screen, for the earlier/later hints */
  #shown = [];
  /** @type {Set<string>} calendars whose events are hidden (the legend's unticked boxes) */
  #hidden = new Set();
  /** @type {{ id: string, key: string, occurrence_start?: string, version: number, created_at: string } | null} the event (or occurrence) the form edits, as read; null when booking */
  #editing = null;
  /** Ids of the events the last refused booking collided with, highlighted in the grid. */
  #conflictIds = new Set();
  /** @type {CalendarEvent[]} slots a transaction holds, learnt from the last refusal (the API lists no holds) */
  #holds = [];
  #activeSlot = { day: 0, hour: 9 };
  #hintFrame = 0;
  /** @type {string[]} "Mon 30 Nov" for each day on screen, as formatTimeRange writes it */
  #dayLabels = [];
  /** @type {number[]} each day's length in minutes (1380 or 1500 on a DST change) */
  #dayMinutes = [];
  #busy = false;
  /** The day columns' width the last render folded crowded hours for. */
  #columnWidth = 0;
  #morePopover = byId("more-events", HTMLElement);
  /** @type {Map<string, { block: HTMLElement, signature: string }>} "+N" chips by day and start, reused as blocks are */
  #chips = new Map();

  /** @param {CalendarHandlers} handlers */
  constructor(handlers) {
    this.#handlers = handlers;
    const savedZone = storage.get(ZONE_KEY);
    if (savedZone !== null && isKnownZone(savedZone)) this.#zone = savedZone;
    try {
      for (const name of JSON.parse(storage.get(HIDDEN_KEY) ?? "[]")) if (typeof name === "string") this.#hidden.add(name);
    } catch { /* a damaged entry: show every calendar */ }
    const savedView = storage.get(VIEW_KEY);
    if (isView(savedView)) this.#view = savedView;
    this.#anchor = today(Date.now(), this.#zone);
    this.#fillZones();
    this.#repeat.addEventListener("change", () => this.#showRepeatFields());
    byId("week-prev", HTMLButtonElement).addEventListener("click", () => this.#showAnchor(stepAnchor(this.#view, this.#anchor, -1)));
    byId("week-next", HTMLButtonElement).addEventListener("click", () => this.#showAnchor(stepAnchor(this.#view, this.#anchor, 1)));
    byId("week-today", HTMLButtonElement).addEventListener("click", () => this.#showAnchor(today(Date.now(), this.#zone)));
    for (const button of document.querySelectorAll("[data-calendar-view]")) {
      if (!(button instanceof HTMLButtonElement)) continue;
      button.addEventListener("click", () => this.#setView(/** @type {any} */ (button.dataset.calendarView)));
    }
    this.#drag = new GridDrag(this.#grid, {
      hourHeight: () => this.#hourHeight(),
      onCreate: (day, startMinute, endMinute) => this.#fillForm(day, startMinute, endMinute),
      onMove: (id, delta) => void this.#changeTimes(id, (event) => moved(event, delta)),
      onResize: (id, delta) => void this.#changeTimes(id, (event) => resized(event, delta)),
      onCancel: () => {
        this.#blocks.clear();
        this.render(this.#events);
      },
    });
    this.#zoneSelect.addEventListener("change", () => this.#changeZone(this.#zoneSelect.value));
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.#save();
    });
    // A changed time or calendar is a new question: the old refusal's marks no longer apply.
    for (const input of [this.#start, this.#end, this.#calendar]) input.addEventListener("input", () => this.#clearConflicts());
    this.#delete.addEventListener("click", () => void this.#deleteEditing());
    this.#cancel.addEventListener("click", () => this.#resetForm(""));
    this.#grid.addEventListener("keydown", (event) => this.#moveSlotFocus(event));
    this.#scroller.addEventListener("scroll", () => this.#showHints(), { passive: true });
    this.#earlierHint.addEventListener("click", () => this.#scrollToPiece("earlier"));
    this.#laterHint.addEventListener("click", () => this.#scrollToPiece("later"));
    this.#activeSlot.day = today(Date.now(), this.#zone) - this.#firstDay;
    this.#buildGrid();
    this.#scroller.scrollTop = FIRST_VISIBLE_HOUR * this.#hourHeight();
    this.#showHints();
    // A wider or narrower screen fits another number of events side by side.
    new ResizeObserver(() => {
      if (this.#view !== "month" && this.#layerWidth() !== this.#columnWidth) this.render(this.#events);
    }).observe(this.#scroller);
  }

  #layerWidth() {
    return this.#layers[0]?.clientWidth ?? 0;
  }

  /** The days on screen: the first (a day number) and how many. */
  get range() {
    return viewDays(this.#view, this.#anchor);
  }

  get #firstDay() {
    return this.range.firstDay;
  }

  get #dayCount() {
    return this.range.dayCount;
  }

  /** Which view is shown. */
  get view() {
    return this.#view;
  }

  /** The IANA zone the grid and the form are in. */
  get zone() {
    return this.#zone;
  }

  /** @param {number} anchor a day number: shows the day, week or month holding it */
  #showAnchor(anchor) {
    this.#anchor = anchor;
    this.#conflictIds.clear();
    this.#holds = [];
    this.#buildGrid();
    this.#handlers.onRangeChange();
  }

  /** @param {import("../lib/calendar-views.js").CalendarViewName} view */
  #setView(view) {
    if (!isView(view) || view === this.#view) return;
    this.#view = view;
    storage.set(VIEW_KEY, view);
    this.#showAnchor(this.#anchor);
    if (view !== "month") this.#scroller.scrollTop = FIRST_VISIBLE_HOUR * this.#hourHeight();
  }

  /** Draws the events (every one the page knows; those outside the week are skipped). @param {readonly CalendarEvent[]} events */
  render(events) {
    this.#events = events;
    const visible = [...events, ...this.#holds].filter((event) => !this.#hidden.has(event.calendar));
    const layoutStart = performance.now();
    const days = layoutDays(visible, this.#firstDay, this.#dayCount, this.#zone);
    this.#dayLabels = Array.from({ length: this.#dayCount }, (_, day) => dayLabel(this.#firstDay + day));
    this.#dayMinutes = Array.from({ length: this.#dayCount }, (_, day) =>
      (slotInstant(this.#firstDay + day + 1, 0, this.#zone) - slotInstant(this.#firstDay + day, 0, this.#zone)) / 60_000);
    performance.measure("calendar-layout", { start: layoutStart, end: performance.now() });
    if (this.#view === "month") {
      this.#renderMonth(days);
      this.#afterRender(days, events);
      return;
    }
    // A drag under way keeps its block; the next redraw after the drop brings the state.
    if (this.#drag?.active) return;
    this.#columnWidth = this.#layerWidth();
    const room = { width: this.#columnWidth, minEventWidth: MIN_EVENT_WIDTH, moreWidth: MORE_WIDTH };
    keepingFocus(() => {
      days.forEach((placements, day) => {
        const layer = this.#layers[day];
        if (layer === undefined) return;
        const { shown, more } = foldOverflow(placements, room);
        const blocks = [...shown.map((placement) => this.#block(placement)), ...more.map((chip) => this.#moreChip(day, chip))];
        // Untouched blocks stay in place: a live update must not eat a click or move the focus.
        const current = [...layer.children];
        if (current.length !== blocks.length || current.some((child, i) => child !== blocks[i])) layer.replaceChildren(...blocks);
      });
    });
    this.#afterRender(days, events);
  }

  /** @param {Placement[][]} days @param {readonly CalendarEvent[]} events */
  #afterRender(days, events) {
    this.#shown = this.#view === "month" ? [] : days.flat();
    const shown = new Set(this.#shown.map((placement) => `${eventKey(placement.event)}:${placement.day}`));
    for (const key of this.#blocks.keys()) if (!shown.has(key)) this.#blocks.delete(key);
    this.#renderLegend();
    this.#showHintsSoon();
    // The event being edited was deleted by someone else: the form must not keep pretending.
    if (this.#editing !== null && !events.some((event) => eventKey(event) === this.#editing?.key)) {
      this.#resetForm("");
      showMessage(this.#error, "The event you were editing was deleted by someone else.");
    }
  }

  /**
   * The element for one event's piece in one day: reused while nothing it shows has changed.
   * @param {Placement & { reserve: boolean }} placement
   */
  #block(placement) {
    const { event, day } = placement;
    const held = event.id.startsWith(HELD_PREFIX);
    const conflict = this.#conflictIds.has(event.id);
    const editing = this.#editing?.key === eventKey(event);
    const signature = JSON.stringify([event.version, event.title, event.calendar, event.starts_at, event.ends_at, placement.column, placement.span, placement.columns, placement.reserve, conflict, editing, this.#zone]);
    const key = `${eventKey(event)}:${day}`;
    const cached = this.#blocks.get(key);
    if (cached !== undefined && cached.signature === signature) return cached.block;
    const format = { timeZone: this.#zone };
    // Most events start and end on one ordinary day: their words come from the minutes already
    // placed, without a time zone lookup each (a crowded week stays inside its render budget).
    const plain = !placement.continuesBefore && !placement.continuesAfter && (this.#dayMinutes[day] ?? 0) === 24 * 60;
    const when = plain ? `${this.#dayLabels[day]}, ${clockText(placement.startMinute)}–${clockText(placement.endMinute)}` : formatTimeRange(event.starts_at, event.ends_at, format);
    const short = placement.endMinute - placement.startMinute < SHORT_MINUTES;
    const tooltip = held ? `Held by a transaction in progress\n${when}` : `${event.title}\n${when}\nCalendar: ${event.calendar}`;
    const attributes = {
      class: held ? "event-block held-block" : "event-block",
      "data-event-id": held ? false : event.id,
      "data-event-key": held ? false : eventKey(event),
      "data-calendar": event.calendar,
      "data-color": calendarColor(event.calendar),
      "data-size": short ? "short" : "tall",
      "data-narrow": placement.columns / placement.span >= 3,
      "data-conflict": conflict,
      "data-editing": editing,
      "data-continues-before": placement.continuesBefore,
      "data-continues-after": placement.continuesAfter,
      title: tooltip,
    };
    const time = plain ? `${clockText(placement.startMinute)}–${clockText(placement.endMinute)}` : pieceTime(placement, format);
    // The accessible name starts with the text on screen, as speech-input users say what they see.
    const visible = `${held ? "Held" : event.title} ${time}`;
    const children = [
      h("span", { class: "event-title" }, held ? "Held" : event.title),
      " ",
      h("span", { class: "event-time" }, time),
      held || placement.continuesAfter ? null : h("span", { class: "resize-handle", "aria-hidden": "true" }),
    ];
    const block = held
      ? h("div", { ...attributes, role: "note", "aria-label": `Held by a transaction in progress, ${when}, calendar ${event.calendar}` }, ...children)
      : h("button", {
        ...attributes, type: "button", "data-focus-key": `event:${key}`,
        "aria-label": `${visible}, ${when}, calendar ${event.calendar}. Show and edit`,
        "aria-keyshortcuts": "Alt+ArrowUp Alt+ArrowDown Alt+ArrowLeft Alt+ArrowRight Alt+Shift+ArrowUp Alt+Shift+ArrowDown",
      }, ...children);
    // Set through the CSSOM, not a style attribute, so a strict Content-Security-Policy allows it.
    block.style.setProperty("--start", String(placement.startMinute));
    block.style.setProperty("--end", String(placement.endMinute));
    block.style.setProperty("--column", String(placement.column));
    block.style.setProperty("--span", String(placement.span));
    block.style.setProperty("--columns", String(placement.columns));
    if (placement.reserve) block.style.setProperty("--reserve", `${MORE_WIDTH}px`);
    if (!held) {
      block.addEventListener("click", () => {
        const latest = this.#events.find((candidate) => eventKey(candidate) === eventKey(event));
        if (latest !== undefined) this.#edit(latest);
      });
      block.addEventListener("keydown", (keyEvent) => this.#nudge(/** @type {KeyboardEvent} */ (keyEvent), eventKey(event)));
    }
    this.#blocks.set(key, { block, signature });
    return block;
  }

  /**
   * "+2" at the right of a crowded cluster: the events folded there, listed in a popover on click.
   * @param {number} day @param {{ startMinute: number, endMinute: number, placements: Placement[] }} chip
   */
  #moreChip(day, chip) {
    const format = { timeZone: this.#zone };
    const events = chip.placements.map((placement) => placement.event);
    const key = `${day}:${chip.startMinute}`;
    const signature = JSON.stringify([chip.endMinute, events.map((event) => [event.id, event.version]), [...this.#conflictIds], this.#zone]);
    const cached = this.#chips.get(key);
    if (cached !== undefined && cached.signature === signature) return cached.block;
    const titles = events.map((event) => (event.id.startsWith(HELD_PREFIX) ? "Held" : event.title));
    const count = events.length;
    const block = h("button", {
      type: "button", class: "more-block", "data-focus-key": `more:${day}:${chip.startMinute}`,
      "data-conflict": events.some((event) => this.#conflictIds.has(event.id)),
      "aria-haspopup": "dialog", "aria-controls": "more-events",
      title: `${count} more: ${titles.join(", ")}`,
      "aria-label": `+${count}: ${count} more ${count === 1 ? "event" : "events"}, ${titles.join(", ")}. Show them`,
    }, `+${count}`);
    block.style.setProperty("--start", String(chip.startMinute));
    block.style.setProperty("--end", String(chip.endMinute));
    this.#chips.set(key, { block, signature });
    block.addEventListener("click", () => {
      const heading = byId("more-events-heading", HTMLElement);
      heading.textContent = `${this.#dayLabels[day] ?? ""}: ${count} more`;
      byId("more-events-list", HTMLElement).replaceChildren(...events.map((event) => {
        const held = event.id.startsWith(HELD_PREFIX);
        const when = formatTimeRange(event.starts_at, event.ends_at, format);
        const item = held
          ? h("span", { class: "more-item held-block" }, `Held by a transaction in progress, ${when}`)
          : h("button", { type: "button", class: "more-item", "data-color": calendarColor(event.calendar) },
            h("span", { class: "event-title" }, event.title), " ", h("span", { class: "more-when" }, `${when}, ${event.calendar}`));
        item.addEventListener("click", () => {
          const latest = this.#events.find((candidate) => eventKey(candidate) === eventKey(event));
          this.#morePopover.hidePopover();
          if (latest !== undefined) this.#edit(latest);
        });
        return h("li", {}, item);
      }));
      this.#morePopover.showPopover();
      this.#morePopover.querySelector("button")?.focus();
    });
    return block;
  }

  /** The view's skeleton: for a day or a week, day headings, hour labels and one slot button per hour; for a month, its cells. */
  #buildGrid() {
    const utc = { timeZone: "UTC" };
    const longDay = new Intl.DateTimeFormat(undefined, { ...utc, weekday: "long", day: "numeric", month: "long" });
    const hourLabel = (/** @type {number} */ hour) => `${String(hour).padStart(2, "0")}:00`;
    const todayNumber = today(Date.now(), this.#zone);
    const { firstDay, dayCount } = this.range;
    this.#showViewControls();
    this.#layers = [];
    this.#blocks.clear();
    this.#chips.clear();
    this.#grid.dataset.view = this.#view;
    this.#grid.style.setProperty("--days", String(this.#view === "month" ? 7 : dayCount));
    this.#scroller.dataset.view = this.#view;
    if (this.#view === "month") {
      this.#buildMonth(todayNumber);
      this.render(this.#events);
      return;
    }
    const dayName = new Intl.DateTimeFormat(undefined, { ...utc, weekday: dayCount === 1 ? "long" : "short", day: "numeric", ...(dayCount === 1 ? { month: "long" } : {}) });
    const gutter = h("div", { class: "hour-gutter", "aria-hidden": "true" },
      ...Array.from({ length: HOURS }, (_, hour) => h("div", { class: "hour-label" }, hourLabel(hour))));
    const days = Array.from({ length: dayCount }, (_, day) => firstDay + day);
    this.#activeSlot.day = Math.min(dayCount - 1, Math.max(0, this.#activeSlot.day));
    const columns = days.map((dayNumber, day) => {
      const slots = Array.from({ length: HOURS }, (_, hour) => {
        const active = day === this.#activeSlot.day && hour === this.#activeSlot.hour;
        const slot = h("button", {
          type: "button",
          class: "slot",
          tabindex: active ? 0 : -1,
          "data-day": day,
          "data-hour": hour,
          "aria-label": `Book ${longDay.format(dayDate(dayNumber))}, ${hourLabel(hour)}`,
          "aria-keyshortcuts": "Shift+ArrowDown Shift+ArrowUp",
        });
        slot.addEventListener("click", () => this.#pickSlot(day, hour));
        return slot;
      });
      const layer = h("div", { class: "events-layer" });
      this.#layers.push(layer);
      return h("div", { class: "day-column", "data-day": day, "data-today": dayNumber === todayNumber }, ...slots, layer);
    });
    const heads = days.map((dayNumber, day) =>
      h("div", { class: "day-head", "data-day": day, "aria-current": dayNumber === todayNumber ? "date" : false }, dayName.format(dayDate(dayNumber))));
    this.#grid.replaceChildren(h("div", { class: "corner" }, h("span", { class: "corner-zone" }, offsetLabel(Date.now(), this.#zone))), ...heads, gutter, ...columns);
    this.render(this.#events);
    this.#scrollTodayIntoView();
  }

  /** The label above the grid, the step buttons' words and which view button is pressed. */
  #showViewControls() {
    const utc = { timeZone: "UTC" };
    const { firstDay, dayCount } = this.range;
    const unit = { day: "day", week: "week", month: "month" }[this.#view];
    this.#weekLabel.textContent = this.#view === "day"
      ? new Intl.DateTimeFormat(undefined, { ...utc, weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(dayDate(firstDay))
      : this.#view === "week"
        ? `Week of ${new Intl.DateTimeFormat(undefined, { ...utc, day: "numeric", month: "short", year: "numeric" }).formatRange(dayDate(firstDay), dayDate(firstDay + dayCount - 1))}`
        : new Intl.DateTimeFormat(undefined, { ...utc, month: "long", year: "numeric" }).format(dayDate(this.#anchor));
    for (const [id, word] of [["week-prev", "Previous"], ["week-next", "Next"]]) {
      const label = byId(id ?? "", HTMLButtonElement).querySelector(".nav-word");
      if (label) label.textContent = `${word} ${unit}`;
    }
    byId("week-today", HTMLButtonElement).textContent = { day: "Today", week: "This week", month: "This month" }[this.#view];
    for (const button of document.querySelectorAll("[data-calendar-view]")) button.setAttribute("aria-pressed", String(button.getAttribute("data-calendar-view") === this.#view));
    this.#earlierHint.hidden ||= this.#view === "month";
    this.#laterHint.hidden ||= this.#view === "month";
  }

  /** The month's six weeks: a cell per day with its date (a link to that day) and its events. @param {number} todayNumber */
  #buildMonth(todayNumber) {
    const utc = { timeZone: "UTC" };
    const weekday = new Intl.DateTimeFormat(undefined, { ...utc, weekday: "short" });
    const longDay = new Intl.DateTimeFormat(undefined, { ...utc, weekday: "long", day: "numeric", month: "long" });
    const { firstDay, dayCount } = this.range;
    const heads = Array.from({ length: 7 }, (_, i) => h("div", { class: "month-head", "aria-hidden": "true" }, weekday.format(dayDate(firstDay + i))));
    const cells = Array.from({ length: dayCount }, (_, day) => {
      const dayNumber = firstDay + day;
      const date = h("button", {
        type: "button", class: "month-date", "data-focus-key": `month-date:${dayNumber}`,
        "aria-label": `${longDay.format(dayDate(dayNumber))}: show the day`,
      }, String(dayDate(dayNumber).getUTCDate()));
      date.addEventListener("click", () => {
        this.#view = "day";
        storage.set(VIEW_KEY, "day");
        this.#showAnchor(dayNumber);
        this.#scroller.scrollTop = FIRST_VISIBLE_HOUR * this.#hourHeight();
      });
      const list = h("ul", { class: "month-events" });
      this.#layers.push(list);
      return h("div", { class: "month-cell", role: "listitem", "data-day": day, "data-outside": !inMonthOf(dayNumber, this.#anchor), "aria-current": dayNumber === todayNumber ? "date" : false }, date, list);
    });
    this.#grid.replaceChildren(...heads, h("div", { class: "month-cells", role: "list", "aria-label": this.#weekLabel.textContent ?? "Month" }, ...cells));
  }

  /** Each month cell's events as chips, the first few by start, then "+N more". @param {Placement[][]} days */
  #renderMonth(days) {
    const format = { timeZone: this.#zone };
    keepingFocus(() => {
      days.forEach((placements, day) => {
        const list = this.#layers[day];
        if (list === undefined) return;
        const chips = placements.slice(0, MONTH_CHIPS).map((placement) => {
          const { event } = placement;
          const held = event.id.startsWith(HELD_PREFIX);
          const when = formatTimeRange(event.starts_at, event.ends_at, format);
          const time = placement.continuesBefore ? "→" : timeFormat(this.#zone).format(Date.parse(event.starts_at));
          const chip = h("button", {
            type: "button", class: held ? "month-chip held-block" : "month-chip", "data-color": calendarColor(event.calendar), "data-calendar": event.calendar,
            "data-event-id": held ? false : event.id, "data-focus-key": `chip:${eventKey(event)}:${day}`, "data-conflict": this.#conflictIds.has(event.id),
            title: `${event.title}\n${when}\nCalendar: ${event.calendar}`,
            "aria-label": `${time} ${held ? "Held" : event.title}, ${held ? "held by a transaction in progress, " : ""}${when}, calendar ${event.calendar}`,
          }, h("span", { class: "chip-time" }, time), " ", h("span", { class: "chip-title" }, held ? "Held" : event.title));
          if (!held) chip.addEventListener("click", () => {
            const latest = this.#events.find((candidate) => eventKey(candidate) === eventKey(event));
            if (latest !== undefined) this.#edit(latest);
          });
          return h("li", {}, chip);
        });
        const hidden = placements.length - MONTH_CHIPS;
        if (hidden > 0) {
          const more = h("button", { type: "button", class: "month-more", "data-focus-key": `more:${day}` }, `+${hidden} more`);
          more.addEventListener("click", () => {
            this.#view = "day";
            storage.set(VIEW_KEY, "day");
            this.#showAnchor(this.#firstDay + day);
          });
          chips.push(h("li", {}, more));
        }
        list.replaceChildren(...chips);
      });
    });
  }

  /** On a narrow screen only a few days fit: bring today fully into view, clear of the sticky hour column. */
  #scrollTodayIntoView() {
    const todayHead = this.#grid.querySelector('.day-head[aria-current="date"]');
    const gutter = this.#grid.querySelector(".hour-gutter");
    if (!(todayHead instanceof HTMLElement) || !(gutter instanceof HTMLElement)) {
      this.#scroller.scrollLeft = 0;
      return;
    }
    const view = this.#scroller.getBoundingClientRect();
    const head = todayHead.getBoundingClientRect();
    const visibleLeft = view.left + gutter.offsetWidth;
    if (head.left < visibleLeft) this.#scroller.scrollLeft -= visibleLeft - head.left;
    else if (head.right > view.right) this.#scroller.scrollLeft += Math.min(head.right - view.right, head.left - visibleLeft);
  }

  #hourHeight() {
    const slot = this.#grid.querySelector(".slot");
    return slot instanceof HTMLElement && slot.offsetHeight > 0 ? slot.offsetHeight : 56;
  }

  /** The minutes of the day the scroller shows now. */
  #visibleMinutes() {
    const perMinute = this.#hourHeight() / 60;
    const head = this.#grid.querySelector(".day-head");
    const headHeight = head instanceof HTMLElement ? head.offsetHeight : 0;
    const top = this.#scroller.scrollTop / perMinute;
    return { top, bottom: top + Math.max(0, this.#scroller.clientHeight - headHeight) / perMinute };
  }

  /** The hints need the layout: read it after this frame's, not forced in the middle of a render. */
  #showHintsSoon() {
    if (this.#hintFrame !== 0) return;
    this.#hintFrame = requestAnimationFrame(() => {
      this.#hintFrame = 0;
      this.#showHints();
    });
  }

  /** "↑ 2 events earlier" / "↓ 1 event later": what the scroller hides above and below. */
  #showHints() {
    if (this.#scroller.clientHeight === 0) return;
    const { top, bottom } = this.#visibleMinutes();
    const earlier = this.#shown.filter((piece) => piece.endMinute <= top + 1);
    const later = this.#shown.filter((piece) => piece.startMinute >= bottom - 1);
    const time = (/** @type {number} */ minute) => `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(Math.floor(minute % 60)).padStart(2, "0")}`;
    const count = (/** @type {number} */ n) => `${n} ${n === 1 ? "event" : "events"}`;
    const first = Math.min(...earlier.map((piece) => piece.startMinute));
    const last = Math.max(...later.map((piece) => piece.startMinute));
    showMessage(this.#earlierHint, earlier.length === 0 ? "" : `↑ ${count(earlier.length)} earlier, from ${time(first)}`);
    showMessage(this.#laterHint, later.length === 0 ? "" : `↓ ${count(later.length)} later, until ${time(Math.max(...later.map((piece) => piece.endMinute)))}`);
    this.#laterHint.dataset.lastStart = String(last);
  }

  /** @param {"earlier" | "later"} which */
  #scrollToPiece(which) {
    const { top, bottom } = this.#visibleMinutes();
    const pieces = which === "earlier" ? this.#shown.filter((piece) => piece.endMinute <= top + 1) : this.#shown.filter((piece) => piece.startMinute >= bottom - 1);
    if (pieces.length === 0) return;
    const minute = which === "earlier" ? Math.min(...pieces.map((piece) => piece.startMinute)) : Math.max(...pieces.map((piece) => piece.endMinute)) - (bottom - top);
    this.#scroller.scrollTop = Math.max(0, (minute - 15) * (this.#hourHeight() / 60));
    this.#showHints();
  }

  /** Arrow keys move between slots (one tab stop for the whole grid); Enter or Space picks one. @param {KeyboardEvent} event */
  #moveSlotFocus(event) {
    const target = event.target;
    if (!(target instanceof HTMLElement) || !target.classList.contains("slot")) return;
    const moves = /** @type {Record<string, [number, number]>} */ ({ ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] });
    const move = moves[event.key];
    if (move === undefined) return;
    event.preventDefault();
    if (event.shiftKey && move[0] === 0) {
      this.#extendSelection(target, move[1]);
      return;
    }
    const day = Math.min(this.#dayCount - 1, Math.max(0, Number(target.dataset.day) + move[0]));
    const hour = Math.min(HOURS - 1, Math.max(0, Number(target.dataset.hour) + move[1]));
    const next = this.#grid.querySelector(`.slot[data-day="${day}"][data-hour="${hour}"]`);
    if (!(next instanceof HTMLElement)) return;
    delete target.dataset.selectionEnd;
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
    const keep = this.#editing === null ? { title: this.#title.value, calendar: this.#calendar.value } : { title: "", calendar: this.#calendar.value };
    this.#resetForm("");
    this.#title.value = keep.title;
    this.#calendar.value = keep.calendar || TEAM_CALENDAR;
    const start = slotInstant(this.#firstDay + day, hour * 60, this.#zone);
    // After Shift+Arrow keys on the slot, Enter books what they selected, not the plain hour.
    const slot = this.#grid.querySelector(`.slot[data-day="${day}"][data-hour="${hour}"]`);
    const selectionEnd = slot instanceof HTMLElement && slot.dataset.selectionEnd ? Number(slot.dataset.selectionEnd) : null;
    if (slot instanceof HTMLElement) delete slot.dataset.selectionEnd;
    this.#start.value = toLocalInputValue(start, this.#zone);
    this.#end.value = toLocalInputValue(selectionEnd === null ? start + 60 * 60_000 : slotInstant(this.#firstDay + day, selectionEnd, this.#zone), this.#zone);
    this.#cancel.hidden = false;
    this.#title.focus();
  }

  /** Fills the form with a dragged (or keyboard-extended) stretch of one day. @param {number} day @param {number} startMinute @param {number} endMinute */
  #fillForm(day, startMinute, endMinute) {
    this.#pickSlot(day, Math.min(HOURS - 1, Math.floor(startMinute / 60)));
    this.#start.value = toLocalInputValue(slotInstant(this.#firstDay + day, startMinute, this.#zone), this.#zone);
    this.#end.value = toLocalInputValue(slotInstant(this.#firstDay + day, endMinute, this.#zone), this.#zone);
    this.#status.textContent = `New booking: ${formatTimeRange(String(fromLocalInputValue(this.#start.value, this.#zone)), String(fromLocalInputValue(this.#end.value, this.#zone)), { timeZone: this.#zone })}. Give it a title and press Book.`;
  }

  /** Shift+Arrow on a slot: a selection from the slot's hour, a step longer or shorter each time. @param {HTMLElement} slot @param {number} direction */
  #extendSelection(slot, direction) {
    const day = Number(slot.dataset.day), hour = Number(slot.dataset.hour);
    const current = Number(slot.dataset.selectionEnd ?? hour * 60 + 60);
    const end = Math.min(24 * 60, Math.max(hour * 60 + STEP_MINUTES, current + direction * STEP_MINUTES));
    this.#fillForm(day, hour * 60, end);
    slot.dataset.selectionEnd = String(end);
    slot.focus();
  }

  /**
   * Alt+Arrow keys on an event: up/down 15 minutes, left/right a day; with Shift, up/down moves its end.
   * @param {KeyboardEvent} keyEvent @param {string} key the event's `eventKey`
   */
  #nudge(keyEvent, key) {
    if (!keyEvent.altKey) return;
    const vertical = { ArrowUp: -STEP_MINUTES, ArrowDown: STEP_MINUTES }[keyEvent.key];
    const horizontal = { ArrowLeft: -24 * 60, ArrowRight: 24 * 60 }[keyEvent.key];
    if (vertical === undefined && horizontal === undefined) return;
    keyEvent.preventDefault();
    if (keyEvent.shiftKey && vertical !== undefined) void this.#changeTimes(key, (event) => resized(event, vertical), true);
    else void this.#changeTimes(key, (event) => moved(event, vertical ?? horizontal ?? 0), true);
  }

  /**
   * Saves new times for an event (dragged or nudged); a refusal is shown as for the form, and the
   * event goes back where it was.
   * An occurrence of a series moves alone (the handler sends it to its occurrence's path).
   * @param {string} key the event's `eventKey` @param {(event: CalendarEvent) => { starts_at: string, ends_at: string }} change @param {boolean} [keepFocus]
   */
  async #changeTimes(key, change, keepFocus = false) {
    const event = this.#events.find((candidate) => eventKey(candidate) === key);
    if (event === undefined || this.#busy) {
      this.render(this.#events);
      return;
    }
    const times = change(event);
    for (const blockKey of [...this.#blocks.keys()]) if (blockKey.startsWith(`${key}:`)) this.#blocks.delete(blockKey);
    if (times.starts_at === event.starts_at && times.ends_at === event.ends_at) {
      this.render(this.#events);
      return;
    }
    this.#busy = true;
    try {
      const fields = { title: event.title, description: event.description, calendar: event.calendar, ...times };
      const result = await this.#handlers.onUpdate(event.id, event, fields);
      if ("code" in result) {
        this.#showRefusal(result, `“${event.title}”`, event.calendar);
        this.render(this.#events);
      } else {
        this.#status.textContent = `Moved “${result.title}” to ${formatTimeRange(result.starts_at, result.ends_at, { timeZone: this.#zone })}.`;
        if (this.#editing?.key === key) this.#edit(result);
        this.#showWeekOf(result);
      }
    } finally {
      this.#busy = false;
    }
    if (keepFocus) {
      const block = this.#grid.querySelector(`.event-block[data-event-key="${CSS.escape(key)}"]`);
      if (block instanceof HTMLElement) block.focus();
    }
  }

  /** @param {CalendarEvent} event */
  #edit(event) {
    this.#editing = { id: event.id, key: eventKey(event), occurrence_start: event.occurrence_start, version: event.version, created_at: event.created_at };
    this.#conflictIds.clear();
    this.#holds = [];
    this.#showDetail(event);
    this.#formHeading.textContent = `Edit “${event.title}”`;
    this.#title.value = event.title;
    this.#start.value = toLocalInputValue(Date.parse(event.starts_at), this.#zone);
    this.#end.value = toLocalInputValue(Date.parse(event.ends_at), this.#zone);
    this.#calendar.value = event.calendar;
    this.#description.value = event.description;
    this.#submit.textContent = "Save changes";
    this.#showRepeatFields();
    this.#delete.hidden = false;
    this.#cancel.hidden = false;
    showMessage(this.#error, "");
    this.#status.textContent = "";
    this.render(this.#events);
    this.#title.focus();
  }

  /** The selected event in full: a title cut short in the grid reads whole here. @param {CalendarEvent | null} event */
  #showDetail(event) {
    this.#detail.hidden = event === null;
    if (event === null) return;
    byId("event-detail-title", HTMLElement).textContent = event.title;
    byId("event-detail-when", HTMLElement).textContent = `${formatTimeRange(event.starts_at, event.ends_at, { timeZone: this.#zone })} (${this.#zone})`;
    byId("event-detail-calendar", HTMLElement).textContent = `Calendar: ${event.calendar}`;
    byId("event-detail-swatch", HTMLElement).dataset.color = String(calendarColor(event.calendar));
    this.#detail.dataset.color = String(calendarColor(event.calendar));
    const repeat = byId("event-detail-repeat", HTMLElement);
    repeat.hidden = !event.recurrence && event.series_id === undefined;
    repeat.textContent = event.recurrence ? describeRepeat(event.recurrence, this.#zone) : "Repeats: one occurrence of a series (changes here apply to it alone)";
    byId("event-detail-by", HTMLElement).textContent = `Booked by ${event.created_by}`;
    showMessage(byId("event-detail-notes", HTMLElement), event.description);
  }

  /** The picker's end and custom rule, shown only when they mean something; none while editing (a series is booked whole). */
  #showRepeatFields() {
    const booking = this.#editing === null;
    byId("event-repeat-field", HTMLElement).hidden = !booking;
    byId("event-repeat-count-field", HTMLElement).hidden = !booking || this.#repeat.value === "none" || this.#repeat.value === "custom";
    byId("event-repeat-rule-field", HTMLElement).hidden = !booking || this.#repeat.value !== "custom";
  }

  /** Back to booking a new event, with `status` said politely. @param {string} status */
  #resetForm(status) {
    const wasMarked = this.#editing !== null || this.#conflictIds.size > 0 || this.#holds.length > 0;
    this.#editing = null;
    this.#conflictIds.clear();
    this.#holds = [];
    this.#form.reset();
    this.#showRepeatFields();
    this.#showDetail(null);
    this.#formHeading.textContent = "Book a slot";
    this.#submit.textContent = "Book";
    this.#delete.hidden = true;
    this.#cancel.hidden = true;
    showMessage(this.#error, "");
    this.#status.textContent = status;
    if (wasMarked) this.render(this.#events);
  }

  #clearConflicts() {
    if (this.#conflictIds.size === 0 && this.#holds.length === 0) return;
    this.#conflictIds.clear();
    this.#holds = [];
    this.render(this.#events);
  }

  /** @returns {EventFields | string} the fields, or what is wrong with them */
  #readForm() {
    const title = this.#title.value.trim();
    if (title === "") return "Give the event a title.";
    const startsAt = fromLocalInputValue(this.#start.value, this.#zone);
    if (startsAt === null) return "Choose when the event starts.";
    const endsAt = fromLocalInputValue(this.#end.value, this.#zone);
    if (endsAt === null) return "Choose when the event ends.";
    if (Date.parse(endsAt) <= Date.parse(startsAt)) return "The event must end after it starts.";
    const calendar = this.#calendar.value.trim() || TEAM_CALENDAR;
    if (!CALENDAR_NAME.test(calendar)) return "A calendar's name is 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit.";
    const fields = { title, starts_at: startsAt, ends_at: endsAt, description: this.#description.value, calendar };
    if (this.#editing !== null || this.#repeat.value === "none") return fields;
    const count = this.#repeatCount.value.trim();
    const end = count === "" ? { kind: /** @type {const} */ ("never") } : { kind: /** @type {const} */ ("count"), count: Number(count) };
    const kind = /** @type {import("../lib/repeat-rule.js").RepeatKind} */ (this.#repeat.value);
    const recurrence = repeatLines({ kind, startMs: Date.parse(startsAt), zone: this.#zone, end, custom: this.#repeatRule.value });
    if ("error" in recurrence) return recurrence.error;
    return { ...fields, recurrence, time_zone: this.#zone };
  }

  async #save() {
    if (this.#busy) return;
    const fields = this.#readForm();
    if (typeof fields === "string") {
      showMessage(this.#error, fields);
      this.#cancel.hidden = false;
      return;
    }
    this.#busy = true;
    this.#submit.disabled = true;
    try {
      const editing = this.#editing;
      const result = editing === null ? await this.#handlers.onCreate(fields) : await this.#handlers.onUpdate(editing.id, editing, fields);
      if ("code" in result) {
        this.#showRefusal(result, editing === null ? "the slot" : "the event", fields.calendar);
        if (result.code === "precondition_failed" && editing !== null) this.#reloadEditingFrom(editing.key);
        return;
      }
      const verb = editing === null ? "Booked" : "Saved";
      this.#resetForm(`${verb} “${result.title}”, ${formatTimeRange(result.starts_at, result.ends_at, { timeZone: this.#zone })}, on ${result.calendar}.`);
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
      const error = await this.#handlers.onDelete(editing.id, editing);
      if (error !== null) {
        this.#showRefusal(error, "the event", this.#calendar.value);
        if (error.code === "precondition_failed") this.#reloadEditingFrom(editing.key);
        return;
      }
      this.#resetForm("Event deleted.");
    } finally {
      this.#busy = false;
    }
  }

  /** Marks what the refusal names: the events it collides with, and the slots a transaction holds. @param {ApiErrorInfo} error @param {string} what @param {string} calendar */
  #showRefusal(error, what, calendar) {
    const conflicts = slotConflicts(error);
    this.#conflictIds = new Set(conflicts.map((conflict) => conflict.id));
    this.#holds = conflicts.filter((conflict) => conflict.id === HELD_BY_TRANSACTION).map((hold, i) => ({
      id: `${HELD_PREFIX}${i}`, title: "Held", description: "", calendar, starts_at: hold.starts_at, ends_at: hold.ends_at,
      created_by: "", created_at: hold.starts_at, updated_at: hold.starts_at, version: 0,
    }));
    showMessage(this.#error, describeError(error, { what, format: { timeZone: this.#zone } }));
    // The member can always give up on a refused booking, not only retry it.
    this.#cancel.hidden = false;
    this.render(this.#events);
  }

  /** After a 412: show the latest version in the form, keep the error visible. @param {string} key the event's `eventKey` */
  #reloadEditingFrom(key) {
    const latest = this.#events.find((event) => eventKey(event) === key);
    if (latest === undefined) return;
    const message = this.#error.textContent ?? "";
    this.#edit(latest);
    showMessage(this.#error, message);
  }

  /** After booking in another week (typed in the form), go to that week so the event is seen. @param {CalendarEvent} event */
  #showWeekOf(event) {
    const { firstDay, dayCount } = this.range;
    const day = today(Date.parse(event.starts_at), this.#zone);
    if (day < firstDay || day >= firstDay + dayCount) this.#showAnchor(day);
  }

  /** The legend: one tick box per calendar, in its colour; unticked calendars are hidden. */
  #renderLegend() {
    const names = calendarsInOrder([...this.#events.map((event) => event.calendar), ...this.#hidden]);
    const signature = JSON.stringify([names, [...this.#hidden]]);
    if (this.#legend.dataset.signature === signature) return;
    this.#legend.dataset.signature = signature;
    keepingFocus(() => {
      this.#legend.replaceChildren(...names.map((name) => {
        const box = h("input", { type: "checkbox", "data-focus-key": `calendar:${name}`, "data-calendar": name });
        box.checked = !this.#hidden.has(name);
        box.addEventListener("change", () => this.#setShown(name, box.checked));
        return h("li", {}, h("label", { class: "legend-item" }, box, h("span", { class: "swatch", "data-color": calendarColor(name), "aria-hidden": "true" }), name));
      }));
    });
    this.#calendarOptions.replaceChildren(...names.map((name) => h("option", { value: name })));
  }

  /** @param {string} calendar @param {boolean} shown */
  #setShown(calendar, shown) {
    if (shown) this.#hidden.delete(calendar);
    else this.#hidden.add(calendar);
    storage.set(HIDDEN_KEY, JSON.stringify([...this.#hidden]));
    this.render(this.#events);
  }

  #fillZones() {
    const zones = new Set([this.#zone, browserZone(), "UTC", ...Intl.supportedValuesOf("timeZone")]);
    const browser = browserZone();
    this.#zoneSelect.replaceChildren(...[...zones].map((zone) =>
      h("option", { value: zone, selected: zone === this.#zone }, zone === browser ? `${zone} (this device)` : zone)));
    this.#showZoneName();
  }

  #showZoneName() {
    // The picker names the zone; the form's labels say the offset its times are in.
    for (const element of document.querySelectorAll(".zone-name")) element.textContent = offsetLabel(Date.now(), this.#zone);
  }

  /** Everything is redrawn in the new zone, and the week re-read: its days now start at other instants. @param {string} zone */
  #changeZone(zone) {
    if (!isKnownZone(zone) || zone === this.#zone) return;
    // What the form holds is kept as the same instants, shown in the new zone.
    const start = fromLocalInputValue(this.#start.value, this.#zone), end = fromLocalInputValue(this.#end.value, this.#zone);
    this.#zone = zone;
    storage.set(ZONE_KEY, zone);
    if (start !== null) this.#start.value = toLocalInputValue(Date.parse(start), zone);
    if (end !== null) this.#end.value = toLocalInputValue(Date.parse(end), zone);
    this.#showZoneName();
    const editing = this.#editing === null ? null : this.#events.find((event) => eventKey(event) === this.#editing?.key);
    if (editing) this.#showDetail(editing);
    // The anchor is a calendar day, the same in every zone: the view stays on the same dates.
    this.#buildGrid();
    this.#handlers.onRangeChange();
  }
}

/**
 * What a piece shows as its time: its range, or, for a piece of an event that runs over midnight,
 * where it starts or ends ("23:00 →", "→ 02:00", "all day").
 * @param {Placement} placement @param {{ timeZone: string }} format
 */
function pieceTime(placement, format) {
  const time = timeFormat(format.timeZone);
  const start = time.format(Date.parse(placement.event.starts_at)), end = time.format(Date.parse(placement.event.ends_at));
  if (placement.continuesBefore && placement.continuesAfter) return "all day";
  if (placement.continuesAfter) return `${start} →`;
  if (placement.continuesBefore) return `→ ${end}`;
  return `${start}–${end}`;
}

/** "09:05" for a minute of the day. @param {number} minute */
function clockText(minute) {
  const whole = Math.round(minute);
  return `${String(Math.floor(whole / 60) % 24).padStart(2, "0")}:${String(whole % 60).padStart(2, "0")}`;
}

/** @type {Intl.DateTimeFormat | null} */
let dayLabelFormat = null;

/** A day as formatTimeRange names it ("Mon 30 Nov"). @param {number} dayNumber */
function dayLabel(dayNumber) {
  dayLabelFormat ??= new Intl.DateTimeFormat(undefined, { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" });
  return dayLabelFormat.format(dayDate(dayNumber));
}
