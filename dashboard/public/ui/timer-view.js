// @ts-check
/**
 * The team timer panel: countdown, phase, round, who drives it and who is online, and the controls.
 * The countdown is recomputed from the deadline on every tick (see lib/countdown.js), so a tick the
 * browser delayed or skipped in a background tab costs nothing.
 *
 * @typedef {import("../lib/types.js").TeamTimer} TeamTimer
 * @typedef {import("../lib/live-state.js").OnlineAgent} OnlineAgent
 * @typedef {"start" | "pause" | "resume" | "skip" | "stop"} TimerAction
 */
import { availableControls, documentTitle, formatCountdown, phaseLabel, remainingMs, roundsLabel, timerAnnouncement } from "../lib/countdown.js";
import { masterLabel } from "../lib/live-state.js";
import { byId, h, showMessage } from "./dom.js";

const TICK_MS = 250;

export class TimerView {
  #phase = byId("timer-phase", HTMLElement);
  #countdown = byId("timer-countdown", HTMLElement);
  #round = byId("timer-round", HTMLElement);
  #announcer = byId("timer-announcer", HTMLElement);
  #error = byId("timer-error", HTMLElement);
  #master = byId("timer-master", HTMLElement);
  #online = byId("online-list", HTMLUListElement);
  #people = byId("people-online", HTMLElement);
  #startForm = byId("timer-start-form", HTMLFormElement);
  #setForm = byId("timer-set-form", HTMLFormElement);
  /** @type {TeamTimer | null} */
  #timer = null;
  #offsetMs;
  /** @type {() => void} */
  #onPhaseOver;
  #phaseOverReported = false;
  /** @type {string | null} */
  #shownText = null;

  /**
   * @param {{
   *   offsetMs: () => number,
   *   onAction: (action: TimerAction, body?: Record<string, number>) => void,
   *   onSet: (minutes: number) => void,
   *   onPhaseOver: () => void,
   * }} handlers `onPhaseOver`: the deadline passed and no new phase arrived yet
   */
  constructor({ offsetMs, onAction, onSet, onPhaseOver }) {
    this.#offsetMs = offsetMs;
    this.#onPhaseOver = onPhaseOver;
    for (const button of document.querySelectorAll("[data-timer-action]")) {
      if (!(button instanceof HTMLButtonElement)) continue;
      button.dataset.focusKey = `timer:${button.dataset.timerAction}`;
      button.addEventListener("click", () => onAction(/** @type {TimerAction} */ (button.dataset.timerAction)));
    }
    this.#startForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(this.#startForm);
      /** @type {Record<string, number>} */
      const body = {};
      for (const [name, value] of data) body[name] = Number(value);
      onAction("start", body);
    });
    this.#setForm.addEventListener("submit", (event) => {
      event.preventDefault();
      onSet(Number(new FormData(this.#setForm).get("duration_minutes")));
    });
    this.render(null); // controls stay disabled until the timer's state is known
    setInterval(() => this.tick(), TICK_MS);
  }

  /** @param {TeamTimer | null} timer */
  render(timer) {
    const before = this.#timer;
    this.#timer = timer;
    if (timer !== null && before !== null) {
      const announcement = timerAnnouncement(before, timer);
      if (announcement !== null) this.#announcer.textContent = announcement;
    }
    if (timer === null || before === null || timer.ends_at !== before.ends_at || timer.phase !== before.phase) this.#phaseOverReported = false;
    // A refusal ("already running") answers the timer as it was: once it changes, it is stale.
    if (before !== null && timer !== null && (timer.phase !== before.phase || timer.paused !== before.paused || timer.ends_at !== before.ends_at)) this.showError("");
    this.#phase.textContent = timer === null ? "Timer unavailable" : phaseLabel(timer);
    this.#phase.dataset.phase = timer?.phase ?? "idle";
    this.#phase.dataset.paused = String(timer?.paused ?? false);
    this.#round.textContent = timer === null || timer.phase === "idle"
      ? ""
      : roundsLabel(timer.round, timer.settings.long_break_every);
    this.#master.textContent = `Timer driven by: ${masterLabel(timer)}`;
    const controls = availableControls(timer);
    for (const button of document.querySelectorAll("[data-timer-action]")) {
      if (button instanceof HTMLButtonElement) button.disabled = !controls[/** @type {TimerAction} */ (button.dataset.timerAction)];
    }
    for (const button of this.#setForm.querySelectorAll("button")) button.disabled = !controls.set;
    this.tick();
  }

  /** @param {readonly OnlineAgent[]} agents */
  renderOnline(agents) {
    const master = this.#timer?.master ?? null;
    const byNode = new Map(agents.map((agent) => [agent.node_id, agent]));
    // Agents the timer lists as session members but that have not registered with the worker.
    for (const nodeId of this.#timer?.members ?? []) if (!byNode.has(nodeId)) byNode.set(nodeId, { node_id: nodeId, member: "" });
    const items = [...byNode.values()].sort((a, b) => Number(b.node_id === master) - Number(a.node_id === master) || a.node_id.localeCompare(b.node_id));
    this.#online.replaceChildren(
      ...items.map((agent) => h("li", { "data-node-id": agent.node_id },
        h("span", { class: "node-id" }, agent.node_id),
        agent.member ? h("span", { class: "muted" }, ` (${agent.member})`) : null,
        agent.node_id === master ? h("span", { class: "badge" }, "master") : null,
      )),
    );
    if (items.length === 0) this.#online.append(h("li", { class: "muted" }, "No agents online. Start one with groupsync-agent start."));
  }

  /**
   * Members with the dashboard open (from the hub's presence notices).
   * @param {readonly string[]} people
   */
  renderPeople(people) {
    this.#people.textContent = people.length === 0 ? "Dashboard open: nobody" : `Dashboard open: ${people.join(", ")}`;
  }

  /** @param {string} text empty to clear */
  showError(text) {
    showMessage(this.#error, text);
  }

  /** Redraws the countdown from the deadline; cheap, runs every 250 ms and whenever asked. */
  tick() {
    const timer = this.#timer;
    const remaining = timer === null ? 0 : remainingMs(timer, Date.now(), this.#offsetMs());
    const text = timer === null ? "--:--" : formatCountdown(remaining);
    if (text !== this.#shownText) {
      this.#countdown.textContent = text;
      this.#countdown.dataset.remainingMs = String(Math.round(remaining));
      this.#shownText = text;
      document.title = documentTitle(timer, remaining);
    }
    if (timer !== null && timer.phase !== "idle" && !timer.paused && remaining <= 0 && !this.#phaseOverReported) {
      this.#phaseOverReported = true;
      this.#onPhaseOver();
    }
  }
}

