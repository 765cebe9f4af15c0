// @ts-check
/**
 * Mouse and pen dragging on the time grid (day and week views), in 15-minute steps: drag across
 * free time to book it, drag an event to move it (to another time or day), drag its bottom edge
 * to change its end. What the drag shows is drawn at most once a frame (requestAnimationFrame);
 * what it means is decided by lib/drag-steps.js and carried out by the view's callbacks. A press
 * that does not move is left to be a click. Touch keeps scrolling the grid: it does not drag.
 *
 * @typedef {{
 *   onCreate: (day: number, startMinute: number, endMinute: number) => void,
 *   onMove: (eventKey: string, deltaMinutes: number) => void,
 *   onResize: (eventKey: string, deltaMinutes: number) => void,
 *   onCancel: () => void,
 *   hourHeight: () => number,
 * }} DragHandlers
 * @typedef {{
 *   kind: "create" | "move" | "resize",
 *   pointerId: number,
 *   startX: number, startY: number,
 *   day: number, minute: number,
 *   element: HTMLElement | null,
 *   startMinute: number, endMinute: number,
 *   current: { day: number, minute: number },
 *   active: boolean,
 * }} Drag
 */
import { dragSelection, snapMinute, STEP_MINUTES } from "../lib/drag-steps.js";

/** Moves under this many pixels are a click, not a drag. */
const DRAG_THRESHOLD_PX = 4;

export class GridDrag {
  #grid;
  #handlers;
  /** @type {Drag | null} */
  #drag = null;
  #frame = 0;
  /** @type {{ x: number, y: number } | null} */
  #pending = null;
  #suppressClick = false;

  /** @param {HTMLElement} grid @param {DragHandlers} handlers */
  constructor(grid, handlers) {
    this.#grid = grid;
    this.#handlers = handlers;
    grid.addEventListener("pointerdown", (event) => this.#down(event));
    grid.addEventListener("pointermove", (event) => this.#move(event));
    grid.addEventListener("pointerup", (event) => this.#up(event));
    grid.addEventListener("pointercancel", () => this.#cancel());
    // Escape gives up the drag: what was dragged goes back, nothing is saved.
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !this.#drag?.active) return;
      event.preventDefault();
      this.#suppressClick = true;
      this.#finish();
      this.#handlers.onCancel();
    });
    // The click that ends a real drag is not a click on what lay under the pointer.
    grid.addEventListener("click", (event) => {
      if (!this.#suppressClick) return;
      this.#suppressClick = false;
      event.stopPropagation();
      event.preventDefault();
    }, true);
  }

  /** True while a drag is under way (a live redraw must not replace what is being dragged). */
  get active() {
    return this.#drag?.active ?? false;
  }

  /** @param {PointerEvent} event */
  #down(event) {
    if (event.button !== 0 || event.pointerType === "touch" || !(event.target instanceof Element)) return;
    const target = event.target;
    const column = target.closest(".day-column");
    if (!(column instanceof HTMLElement)) return;
    const day = Number(column.dataset.day);
    const minute = this.#minuteAt(event.clientY);
    const block = target.closest(".event-block:not(.held-block)");
    const kind = target.closest(".resize-handle") ? "resize" : block ? "move" : target.closest(".slot") ? "create" : null;
    if (kind === null) return;
    const element = block instanceof HTMLElement ? block : null;
    this.#drag = {
      kind, pointerId: event.pointerId, startX: event.clientX, startY: event.clientY, day, minute, element,
      startMinute: element ? Number(element.style.getPropertyValue("--start")) : minute,
      endMinute: element ? Number(element.style.getPropertyValue("--end")) : minute,
      current: { day, minute }, active: false,
    };
  }

  /** @param {PointerEvent} event */
  #move(event) {
    const drag = this.#drag;
    if (drag === null || event.pointerId !== drag.pointerId) return;
    if (!drag.active) {
      if (Math.hypot(event.clientX - drag.startX, event.clientY - drag.startY) < DRAG_THRESHOLD_PX) return;
      drag.active = true;
      this.#grid.setPointerCapture(event.pointerId);
      this.#grid.dataset.dragging = drag.kind;
      if (drag.element) drag.element.dataset.dragging = "";
    }
    event.preventDefault();
    this.#pending = { x: event.clientX, y: event.clientY };
    if (this.#frame === 0) this.#frame = requestAnimationFrame(() => this.#draw());
  }

  /** One redraw a frame, for the latest pointer position. */
  #draw() {
    const startMark = performance.now();
    this.#drawLatest();
    // Measured so the browser tests can check a drag stays well inside a 60 fps frame.
    performance.measure("drag-frame", { start: startMark, end: performance.now() });
  }

  #drawLatest() {
    this.#frame = 0;
    const drag = this.#drag, at = this.#pending;
    if (drag === null || at === null) return;
    const day = drag.kind === "resize" ? drag.day : this.#dayAt(at.x, drag.day);
    const minute = this.#minuteAt(at.y);
    drag.current = { day, minute };
    if (drag.kind === "create") {
      const { startMinute, endMinute } = dragSelection(drag.minute, minute);
      this.#ghost(day, startMinute, endMinute);
    } else if (drag.element && drag.kind === "move") {
      const delta = minute - drag.minute;
      const length = drag.endMinute - drag.startMinute;
      const start = Math.min(24 * 60 - STEP_MINUTES, Math.max(0, drag.startMinute + delta));
      drag.element.style.setProperty("--start", String(start));
      drag.element.style.setProperty("--end", String(Math.min(24 * 60, start + length)));
      const layer = this.#layer(day);
      if (layer && drag.element.parentElement !== layer) layer.append(drag.element);
    } else if (drag.element) {
      const end = Math.max(drag.startMinute + STEP_MINUTES, minute);
      drag.element.style.setProperty("--end", String(end));
    }
  }

  /** @param {PointerEvent} event */
  #up(event) {
    const drag = this.#drag;
    if (drag === null || event.pointerId !== drag.pointerId) {
      // The release after an Escape: its click must not land either.
      if (this.#suppressClick) setTimeout(() => (this.#suppressClick = false), 0);
      return;
    }
    if (!drag.active) {
      this.#drag = null;
      return;
    }
    this.#pending = { x: event.clientX, y: event.clientY };
    this.#draw();
    this.#suppressClick = true;
    // A click follows pointerup only on the same element; if none comes, forget the suppression.
    setTimeout(() => (this.#suppressClick = false), 0);
    this.#finish();
    const { day, minute } = drag.current;
    if (drag.kind === "create") {
      const { startMinute, endMinute } = dragSelection(drag.minute, minute);
      this.#handlers.onCreate(day, startMinute, endMinute);
    } else if (drag.element?.dataset.eventKey) {
      const id = drag.element.dataset.eventKey; // an occurrence of a series moves alone
      if (drag.kind === "move") {
        const delta = (day - drag.day) * 24 * 60 + (minute - drag.minute);
        this.#handlers.onMove(id, delta);
      } else {
        this.#handlers.onResize(id, Math.max(drag.startMinute + STEP_MINUTES, minute) - drag.endMinute);
      }
    }
  }

  #cancel() {
    this.#finish();
  }

  #finish() {
    if (this.#frame !== 0) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#pending = null;
    if (this.#drag?.element) delete this.#drag.element.dataset.dragging;
    this.#drag = null;
    delete this.#grid.dataset.dragging;
    this.#grid.querySelector(".drag-ghost")?.remove();
  }

  /** @param {number} day @param {number} startMinute @param {number} endMinute */
  #ghost(day, startMinute, endMinute) {
    const layer = this.#layer(day);
    if (!layer) return;
    const existing = this.#grid.querySelector(".drag-ghost");
    const ghost = existing instanceof HTMLElement ? existing : document.createElement("div");
    ghost.className = "drag-ghost";
    ghost.setAttribute("aria-hidden", "true");
    if (ghost.parentElement !== layer) layer.append(ghost);
    ghost.style.setProperty("--start", String(startMinute));
    ghost.style.setProperty("--end", String(endMinute));
    const time = (/** @type {number} */ m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    ghost.textContent = `${time(startMinute)}–${time(endMinute)}`;
  }

  /** @param {number} day */
  #layer(day) {
    return this.#grid.querySelector(`.day-column[data-day="${day}"] .events-layer`);
  }

  /** @param {number} clientY */
  #minuteAt(clientY) {
    const column = this.#grid.querySelector(".day-column");
    if (!(column instanceof HTMLElement)) return 0;
    return snapMinute(clientY - column.getBoundingClientRect().top, this.#handlers.hourHeight());
  }

  /** The day column under `clientX`, or `fallback` over the hour column or past the edges. @param {number} clientX @param {number} fallback */
  #dayAt(clientX, fallback) {
    const columns = [...this.#grid.querySelectorAll(".day-column")];
    for (const column of columns) {
      const box = column.getBoundingClientRect();
      if (clientX >= box.left && clientX < box.right && column instanceof HTMLElement) return Number(column.dataset.day);
    }
    return fallback;
  }
}
