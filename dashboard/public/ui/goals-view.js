// @ts-check
/**
 * The goals board: a form to add a goal, and the goals as cards in three columns by state (to do,
 * in progress, done), each with its owner, due date (marked when overdue), progress, a way to set
 * the progress, complete or reopen it, edit it and delete it.
 *
 * @typedef {import("../lib/types.js").Goal} Goal
 * @typedef {import("../lib/types.js").ApiErrorInfo} ApiErrorInfo
 * @typedef {import("../lib/api.js").ReadRecord} ReadRecord
 * @typedef {{ title?: string, description?: string, owner?: string, due?: string | null, progress?: number, completed?: boolean }} GoalFields
 * @typedef {{
 *   onCreate: (fields: GoalFields) => Promise<ApiErrorInfo | Goal>,
 *   onUpdate: (id: string, read: ReadRecord, fields: GoalFields) => Promise<ApiErrorInfo | Goal>,
 *   onDelete: (id: string, read: ReadRecord) => Promise<ApiErrorInfo | null>,
 * }} GoalHandlers
 */
import { describeError } from "../lib/messages.js";
import { boardOrder } from "../lib/live-state.js";
import { dateInZone, goalColumn, initials, isDueToday, isOverdue } from "../lib/goal-board.js";
import { byId, h, keepingFocus, showMessage } from "./dom.js";

export class GoalsView {
  #form = byId("goal-form", HTMLFormElement);
  /** @type {Record<import("../lib/goal-board.js").GoalColumn, HTMLElement>} */
  #lists = {
    todo: /** @type {HTMLElement} */ (document.querySelector('.goal-list[data-column="todo"]')),
    doing: /** @type {HTMLElement} */ (document.querySelector('.goal-list[data-column="doing"]')),
    done: /** @type {HTMLElement} */ (document.querySelector('.goal-list[data-column="done"]')),
  };
  #memberOptions = byId("member-options", HTMLDataListElement);
  #empty = byId("goal-empty", HTMLElement);
  #error = byId("goal-error", HTMLElement);
  #status = byId("goal-status", HTMLElement);
  #handlers;
  /** The goal whose edit form is open: its card is left alone while the member types. */
  /** @type {string | null} */
  #editingId = null;
  /** @type {Map<string, HTMLLIElement>} */
  #cards = new Map();
  /** @type {readonly Goal[]} */
  #lastGoals = [];
  /** @type {Map<string, number>} the version each card shows */
  #shownVersions = new Map();

  /** @param {GoalHandlers} handlers */
  constructor(handlers) {
    this.#handlers = handlers;
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.#add();
    });
  }

  /** @param {readonly Goal[]} goals */
  render(goals) {
    this.#lastGoals = goals;
    const ordered = boardOrder(goals);
    this.#empty.hidden = ordered.length > 0;
    keepingFocus(() => {
      const cards = ordered.map((goal) => {
        const existing = this.#cards.get(goal.id);
        if (existing !== undefined && this.#editingId === goal.id) {
          if (this.#shownVersions.get(goal.id) !== goal.version) {
            const note = existing.querySelector(".goal-note");
            if (note) note.textContent = "Someone changed this goal meanwhile; saving will ask you to check it again.";
          }
          return existing;
        }
        if (existing !== undefined && this.#shownVersions.get(goal.id) === goal.version) return existing;
        const card = this.#card(goal);
        this.#cards.set(goal.id, card);
        this.#shownVersions.set(goal.id, goal.version);
        return card;
      });
      const ids = new Set(ordered.map((goal) => goal.id));
      for (const id of [...this.#cards.keys()]) {
        if (ids.has(id)) continue;
        this.#cards.delete(id);
        this.#shownVersions.delete(id);
        if (this.#editingId === id) this.#editingId = null;
      }
      // Only touch a column when its order or members changed, so focus inside a card survives.
      for (const [column, list] of Object.entries(this.#lists)) {
        const inColumn = cards.filter((_, i) => goalColumn(/** @type {Goal} */ (ordered[i])) === column);
        const current = [...list.children];
        if (current.length !== inColumn.length || current.some((child, i) => child !== inColumn[i])) list.replaceChildren(...inColumn);
        const count = document.querySelector(`[data-count="${column}"]`);
        if (count) count.textContent = String(inColumn.length);
      }
    });
  }

  /** The names the owner fields offer. @param {readonly string[]} members */
  renderMembers(members) {
    this.#memberOptions.replaceChildren(...members.map((name) => h("option", { value: name })));
  }

  /** @param {Goal} goal */
  #card(goal) {
    const key = (/** @type {string} */ part) => `goal:${goal.id}:${part}`;
    const progressInput = h("input", { type: "number", min: 0, max: 100, step: 1, value: goal.progress, name: "progress", id: key("progress-input"), "data-focus-key": key("progress-input") });
    const progressForm = h("form", { class: "goal-progress-form" },
      h("label", { for: key("progress-input") }, "Progress (%)"),
      progressInput,
      h("button", { type: "submit", class: "secondary", "data-focus-key": key("progress-save") }, "Update"),
    );
    progressForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const progress = Number(progressInput.value);
      if (!Number.isInteger(progress) || progress < 0 || progress > 100) {
        showMessage(this.#error, "Progress is a whole number from 0 to 100.");
        return;
      }
      void this.#update(goal, { progress }, `Progress of “${goal.title}” set to ${progress}%.`);
    });
    const completeButton = h("button", { type: "button", class: goal.completed ? "secondary" : "", "data-focus-key": key("complete"), "aria-pressed": goal.completed },
      goal.completed ? "Reopen" : "Mark complete");
    completeButton.addEventListener("click", () =>
      void this.#update(goal, { completed: !goal.completed }, goal.completed ? `“${goal.title}” reopened.` : `“${goal.title}” completed.`));
    const editButton = h("button", { type: "button", class: "secondary", "data-focus-key": key("edit") }, "Edit");
    const deleteButton = h("button", { type: "button", class: "danger", "data-focus-key": key("delete") }, "Delete");
    deleteButton.addEventListener("click", () => void this.#delete(goal));
    const card = h("li", { class: "goal", "data-goal-id": goal.id, "data-completed": goal.completed, "data-overdue": isOverdue(goal, dateInZone(Date.now())) },
      h("h3", { class: "goal-title" }, goal.completed ? h("span", { class: "done-mark", "aria-hidden": "true" }, "✓ ") : null, goal.title),
      this.#meta(goal),
      goal.description ? h("p", { class: "goal-description" }, goal.description) : null,
      h("div", { class: "goal-progress" },
        h("progress", { max: 100, value: goal.progress, "aria-label": `Progress of ${goal.title}` }),
        h("span", { class: "progress-value" }, `${goal.progress}%`)),
      h("div", { class: "goal-actions" }, progressForm, completeButton, editButton, deleteButton),
      h("p", { class: "goal-note muted", "aria-live": "polite" }),
    );
    editButton.addEventListener("click", () => this.#openEditor(goal, card));
    return card;
  }

  /** Owner (with initials), due date and whether it is overdue. @param {Goal} goal */
  #meta(goal) {
    const today = dateInZone(Date.now());
    const overdue = isOverdue(goal, today), dueToday = isDueToday(goal, today);
    const dueText = goal.due ? new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(goal.due)) : null;
    return h("p", { class: "goal-meta" },
      h("span", { class: "avatar", "aria-hidden": "true" }, initials(goal.owner)),
      h("span", { class: "goal-owner" }, `Owner: ${goal.owner}`),
      dueText === null ? null : h("span", { class: "goal-due", "data-overdue": overdue, "data-due-today": dueToday },
        overdue ? `Overdue · was due ${dueText}` : dueToday ? `Due today` : `Due ${dueText}`),
      goal.completed ? h("span", { class: "visually-hidden" }, " · completed") : null);
  }

  /** Replaces the card's body with an edit form. @param {Goal} goal @param {HTMLLIElement} card */
  #openEditor(goal, card) {
    this.#editingId = goal.id;
    const field = (/** @type {string} */ name, /** @type {string} */ label, /** @type {HTMLElement} */ input) => {
      input.id = `goal-${goal.id}-edit-${name}`;
      return [h("label", { for: input.id }, label), input];
    };
    const title = h("input", { name: "title", required: true, maxlength: 200, value: goal.title });
    const description = h("textarea", { name: "description", rows: 2, maxlength: 5000 });
    description.value = goal.description;
    const owner = h("input", { name: "owner", maxlength: 100, value: goal.owner, list: "member-options", autocomplete: "off" });
    const due = h("input", { name: "due", type: "date", value: goal.due ? goal.due.slice(0, 10) : "" });
    const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
    const form = h("form", { class: "goal-edit-form", "aria-label": `Edit ${goal.title}` },
      ...field("title", "Title", title), ...field("description", "Description", description),
      ...field("owner", "Owner", owner), ...field("due", "Due", due),
      h("div", { class: "form-buttons" }, h("button", { type: "submit" }, "Save"), cancel),
      h("p", { class: "goal-note muted", "aria-live": "polite" }),
    );
    const close = () => {
      this.#editingId = null;
      this.#shownVersions.delete(goal.id); // forces a fresh card on the next render
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const fields = { title: title.value.trim(), description: description.value, owner: owner.value.trim() || undefined, due: due.value ? `${due.value}T00:00:00Z` : null };
      if (!fields.title) {
        showMessage(this.#error, "Give the goal a title.");
        return;
      }
      void this.#update(goal, fields, `“${fields.title}” saved.`).then((ok) => {
        if (!ok) return;
        close();
        this.#rerenderAfterEdit(goal.id);
      });
    });
    cancel.addEventListener("click", () => {
      close();
      this.#rerenderAfterEdit(goal.id);
    });
    card.replaceChildren(form);
    title.focus();
  }

  /** After an editor closes: a fresh card from the latest state, focus back on its Edit button. @param {string} id */
  #rerenderAfterEdit(id) {
    this.render(this.#lastGoals);
    const button = document.querySelector(`[data-focus-key="${CSS.escape(`goal:${id}:edit`)}"]`);
    if (button instanceof HTMLElement) button.focus();
  }

  async #add() {
    const data = new FormData(this.#form);
    const title = String(data.get("title") ?? "").trim();
    if (title === "") {
      showMessage(this.#error, "Give the goal a title.");
      return;
    }
    const owner = String(data.get("owner") ?? "").trim();
    const due = String(data.get("due") ?? "");
    /** @type {GoalFields} */
    const fields = { title };
    if (owner) fields.owner = owner;
    if (due) fields.due = `${due}T00:00:00Z`;
    const result = await this.#handlers.onCreate(fields);
    if ("code" in result) {
      showMessage(this.#error, describeError(result, { what: "the goal" }));
      return;
    }
    showMessage(this.#error, "");
    this.#status.textContent = `Goal “${result.title}” added.`;
    this.#form.reset();
    byId("goal-title", HTMLInputElement).focus();
  }

  /** @param {Goal} goal @param {GoalFields} fields @param {string} done @returns {Promise<boolean>} */
  async #update(goal, fields, done) {
    const result = await this.#handlers.onUpdate(goal.id, goal, fields);
    if ("code" in result) {
      showMessage(this.#error, describeError(result, { what: `“${goal.title}”` }));
      return false;
    }
    showMessage(this.#error, "");
    this.#status.textContent = done;
    return true;
  }

  /** @param {Goal} goal */
  async #delete(goal) {
    if (!window.confirm(`Delete the goal “${goal.title}”?`)) return;
    const error = await this.#handlers.onDelete(goal.id, goal);
    if (error !== null) {
      showMessage(this.#error, describeError(error, { what: `“${goal.title}”` }));
      return;
    }
    showMessage(this.#error, "");
    this.#status.textContent = `Goal “${goal.title}” deleted.`;
  }
}
