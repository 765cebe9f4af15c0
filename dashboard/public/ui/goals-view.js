// @ts-check
/**
 * The goals board: a form to add a goal, and the goals as cards in columns by state (to do, in
 * progress, achieved, and a collapsed group of the missed and dropped), each with its owner, due
 * date (marked when overdue), key results, progress (typed only when it has no key results), the
 * latest health, a check-in form with the history, a way to close it (achieved, missed, dropped) or
 * reopen it, edit it and delete it.
 *
 * @typedef {import("../lib/types.js").Goal} Goal
 * @typedef {import("../../../shared/goals.ts").CheckIn} CheckIn
 * @typedef {import("../lib/types.js").ApiErrorInfo} ApiErrorInfo
 * @typedef {import("../lib/api.js").ReadRecord} ReadRecord
 * @typedef {{ title?: string, description?: string, owner?: string, due?: string | null, progress?: number, completed?: boolean, state?: Goal["state"] }} GoalFields
 * @typedef {{ health: string, note?: string, key_results?: { id: string, current: number }[] }} CheckInFields
 * @typedef {{
 *   onCreate: (fields: GoalFields) => Promise<ApiErrorInfo | Goal>,
 *   onUpdate: (id: string, read: ReadRecord, fields: GoalFields) => Promise<ApiErrorInfo | Goal>,
 *   onDelete: (id: string, read: ReadRecord) => Promise<ApiErrorInfo | null>,
 *   onCheckIn: (id: string, read: ReadRecord, fields: CheckInFields) => Promise<ApiErrorInfo | Goal>,
 *   onCheckIns: (id: string, cursor: string | null, limit: number) => Promise<ApiErrorInfo | { check_ins: CheckIn[], next_cursor: string | null }>,
 * }} GoalHandlers
 */
import { describeError } from "../lib/messages.js";
import { boardOrder } from "../lib/live-state.js";
import { checkInBody, checkInRefusal, dateInZone, goalColumn, healthLabel, initials, isClosed, isDueToday, isOverdue, keyResultSummary, stateLabel } from "../lib/goal-board.js";
import { byId, h, keepingFocus, showMessage } from "./dom.js";

/** A key result's own progress bar; set through CSSOM, as the page's CSP refuses style attributes. @param {number} progress */
function krBar(progress) {
  const bar = h("span", { class: "kr-bar", "aria-hidden": "true" });
  bar.style.setProperty("--kr-done", `${progress}%`);
  return bar;
}

/** How many check-ins the history shows at first, and each "Show more" adds. */
const CHECK_IN_PAGE = 3;

export class GoalsView {
  #form = byId("goal-form", HTMLFormElement);
  /** @type {Record<import("../lib/goal-board.js").GoalColumn, HTMLElement>} */
  #lists = {
    todo: /** @type {HTMLElement} */ (document.querySelector('.goal-list[data-column="todo"]')),
    doing: /** @type {HTMLElement} */ (document.querySelector('.goal-list[data-column="doing"]')),
    done: /** @type {HTMLElement} */ (document.querySelector('.goal-list[data-column="done"]')),
    closed: /** @type {HTMLElement} */ (document.querySelector('.goal-list[data-column="closed"]')),
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
    const closed = isClosed(goal);
    const hasKeyResults = goal.key_results.length > 0;
    /** @type {HTMLFormElement | null} */
    let progressForm = null;
    if (!hasKeyResults && !closed) {
      const progressInput = h("input", { type: "number", min: 0, max: 100, step: 1, value: goal.progress, name: "progress", id: key("progress-input"), "data-focus-key": key("progress-input") });
      progressForm = h("form", { class: "goal-progress-form" },
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
    }
    const button = (/** @type {string} */ part, /** @type {string} */ label, /** @type {string} */ className, /** @type {() => void} */ onClick) => {
      const element = h("button", { type: "button", class: className, "data-focus-key": key(part) }, label);
      element.addEventListener("click", onClick);
      return element;
    };
    const stateButtons = closed
      ? [button("reopen", "Reopen", "secondary", () => void this.#update(goal, { state: "open" }, `“${goal.title}” reopened.`))]
      : [
        button("achieved", "Mark achieved", "", () => void this.#update(goal, { state: "achieved" }, `“${goal.title}” achieved.`)),
        button("missed", "Mark missed", "secondary", () => void this.#update(goal, { state: "missed" }, `“${goal.title}” closed as missed.`)),
        button("dropped", "Drop", "secondary", () => void this.#update(goal, { state: "dropped" }, `“${goal.title}” dropped.`)),
      ];
    const checkInButton = button("check-in", "Check in", "secondary", () => this.#openCheckIn(goal, card));
    const editButton = button("edit", "Edit", "secondary", () => this.#openEditor(goal, card));
    const deleteButton = button("delete", "Delete", "danger", () => void this.#delete(goal));
    const card = h("li", { class: "goal", "data-goal-id": goal.id, "data-state": goal.state, "data-completed": goal.completed, "data-overdue": isOverdue(goal, dateInZone(Date.now())) },
      h("h3", { class: "goal-title" }, goal.completed ? h("span", { class: "done-mark", "aria-hidden": "true" }, "✓ ") : null, goal.title),
      this.#meta(goal),
      goal.description ? h("p", { class: "goal-description" }, goal.description) : null,
      hasKeyResults ? this.#keyResults(goal) : null,
      h("div", { class: "goal-progress" },
        h("progress", { max: 100, value: goal.progress, "aria-label": `Progress of ${goal.title}${hasKeyResults ? ", from its key results" : ""}` }),
        h("span", { class: "progress-value" }, `${goal.progress}%`)),
      h("div", { class: "goal-actions" }, progressForm, checkInButton, ...stateButtons, editButton, deleteButton),
      h("p", { class: "goal-note muted", "aria-live": "polite" }),
    );
    return card;
  }

  /** Each key result: its title, current / target in its unit, and its own progress. @param {Goal} goal */
  #keyResults(goal) {
    return h("ul", { class: "key-results", "aria-label": `Key results of ${goal.title}` },
      ...goal.key_results.map((kr) => h("li", { class: "key-result", "data-kr-id": kr.id, "data-metric": kr.metric },
        h("span", { class: "kr-title" }, kr.title),
        h("span", { class: "kr-value" }, keyResultSummary(kr)),
        h("span", { class: "kr-progress" }, krBar(kr.progress), h("span", {}, `${kr.progress}% of the way`)))));
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
      goal.state === "missed" || goal.state === "dropped" ? h("span", { class: "state-badge", "data-state": goal.state }, stateLabel(goal.state)) : null,
      goal.completed ? h("span", { class: "visually-hidden" }, " · completed") : null,
      goal.health === null ? null : h("span", { class: "health-badge", "data-health": goal.health, title: goal.checked_in_at ? `Checked in ${new Date(goal.checked_in_at).toLocaleString()}` : undefined },
        h("span", { class: "visually-hidden" }, "Health: "), h("span", { class: "health-dot", "aria-hidden": "true" }), healthLabel(goal.health)));
  }

  /**
   * Replaces the card's body with a check-in form (health, note, each key result's current value)
   * and the latest check-ins. It checks in on the version it was opened on (If-Match): a change by
   * someone else meanwhile is refused, said so, and the form then checks in on the newer version.
   * @param {Goal} goal @param {HTMLLIElement} card
   */
  #openCheckIn(goal, card) {
    this.#editingId = goal.id;
    /** @type {ReadRecord} */
    let read = goal;
    const id = (/** @type {string} */ part) => `goal-${goal.id}-check-in-${part}`;
    const healthChoices = /** @type {const} */ (["on_track", "at_risk", "off_track"]).map((health) =>
      h("label", { class: "health-choice" },
        h("input", { type: "radio", name: "health", value: health, checked: (goal.health ?? "on_track") === health }),
        h("span", { class: "health-badge", "data-health": health }, h("span", { class: "health-dot", "aria-hidden": "true" }), healthLabel(health))));
    const note = h("textarea", { name: "note", id: id("note"), rows: 2, maxlength: 2000 });
    /** @type {Map<string, HTMLInputElement>} */
    const values = new Map();
    const krFields = goal.key_results.map((kr) => {
      const input = kr.metric === "done"
        ? h("input", { type: "checkbox", id: id(`kr-${kr.id}`), checked: kr.current === kr.target })
        : h("input", { type: "number", id: id(`kr-${kr.id}`), step: "any", value: kr.current, inputmode: "decimal" });
      values.set(kr.id, input);
      const unit = kr.metric === "percent" ? " (%)" : kr.metric === "currency" ? ` (${kr.currency})` : kr.metric === "done" ? " done" : "";
      return h("div", { class: "field kr-field" }, h("label", { for: input.id }, `${kr.title}${unit}`), input);
    });
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
    const history = h("ol", { class: "check-in-history", "aria-label": `Check-ins of ${goal.title}` });
    const more = h("button", { type: "button", class: "secondary show-more", hidden: true }, "Show more");
    const form = h("form", { class: "check-in-form", "aria-label": `Check in on ${goal.title}` },
      h("fieldset", { class: "health-choices" }, h("legend", {}, "How is it going?"), ...healthChoices),
      h("label", { for: note.id }, "Note ", h("span", { class: "muted" }, "(optional)")), note,
      ...krFields,
      h("div", { class: "form-buttons" }, h("button", { type: "submit" }, "Save check-in"), cancel),
      error,
      h("p", { class: "goal-note muted", "aria-live": "polite" }),
    );
    const close = () => {
      this.#editingId = null;
      this.#shownVersions.delete(goal.id);
      this.render(this.#lastGoals);
      const again = document.querySelector(`[data-focus-key="${CSS.escape(`goal:${goal.id}:check-in`)}"]`);
      if (again instanceof HTMLElement) again.focus();
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      /** @type {Record<string, string>} */
      const typed = {};
      for (const kr of goal.key_results) {
        const input = /** @type {HTMLInputElement} */ (values.get(kr.id));
        typed[kr.id] = kr.metric === "done" ? (input.checked ? String(kr.target) : String(kr.start)) : input.value;
      }
      const built = checkInBody(goal, { health: String(data.get("health") ?? ""), note: note.value, values: typed });
      if (!built.ok) {
        showMessage(error, built.message);
        return;
      }
      void this.#handlers.onCheckIn(goal.id, read, built.body).then((result) => {
        if ("code" in result) {
          const latest = this.#lastGoals.find((candidate) => candidate.id === goal.id);
          if (result.code === "precondition_failed" && latest !== undefined) read = latest;
          showMessage(error, result.code === "precondition_failed"
            ? "Not saved: someone changed this goal meanwhile. Check the values above and save again to check in on the goal as it is now."
            : `Not saved: ${checkInRefusal(goal, built.body, describeError(result, { what: `“${goal.title}”` }))}`);
          return;
        }
        showMessage(this.#error, "");
        this.#status.textContent = `Checked in on “${goal.title}”: ${healthLabel(result.health)}, ${result.progress}%.`;
        close();
      });
    });
    cancel.addEventListener("click", close);
    /** @type {string | null} */
    let cursor = null;
    const loadMore = async () => {
      more.hidden = true;
      const page = await this.#handlers.onCheckIns(goal.id, cursor, CHECK_IN_PAGE);
      if ("code" in page) {
        history.append(h("li", { class: "error" }, `Could not load the check-ins: ${describeError(page)}`));
        return;
      }
      if (cursor === null && page.check_ins.length === 0) history.append(h("li", { class: "muted" }, "No check-ins yet."));
      history.append(...page.check_ins.map((checkIn) => this.#checkInItem(goal, checkIn)));
      cursor = page.next_cursor;
      more.hidden = cursor === null;
    };
    more.addEventListener("click", () => void loadMore());
    card.replaceChildren(
      h("h3", { class: "goal-title" }, `Check in: ${goal.title}`),
      form,
      h("h4", { class: "history-heading" }, "Recent check-ins"), history, more,
    );
    void loadMore();
    const first = form.querySelector("input[name=health]:checked");
    if (first instanceof HTMLElement) first.focus();
  }

  /** One check-in in the history: when, who, health, progress, note. @param {Goal} goal @param {CheckIn} checkIn */
  #checkInItem(goal, checkIn) {
    const titles = new Map(goal.key_results.map((kr) => [kr.id, kr]));
    const changes = checkIn.key_results.map((change) => {
      const kr = titles.get(change.id);
      return kr === undefined ? `${change.id}: ${change.previous} → ${change.current}` : `${kr.title}: ${keyResultSummary({ ...kr, current: change.previous }).split(" / ")[0]} → ${keyResultSummary({ ...kr, current: change.current })}`;
    });
    return h("li", { class: "check-in", "data-check-in-id": checkIn.id },
      h("p", { class: "check-in-head" },
        h("span", { class: "health-badge", "data-health": checkIn.health }, h("span", { class: "health-dot", "aria-hidden": "true" }), healthLabel(checkIn.health)),
        h("span", { class: "muted" }, ` ${checkIn.progress}% · ${checkIn.by} · `),
        h("time", { datetime: checkIn.at, class: "muted" }, new Date(checkIn.at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }))),
      checkIn.note ? h("p", { class: "check-in-note" }, checkIn.note) : null,
      changes.length === 0 ? null : h("p", { class: "check-in-changes muted" }, changes.join("; ")));
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
