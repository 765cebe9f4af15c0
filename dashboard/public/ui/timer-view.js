// @ts-check
/**
 * The team timer strip, always in view: countdown with the phase as a ring, rounds, who runs it,
 * who is here (initials), the controls, a sound switch (a chime when a phase ends), the settings.
 * The countdown is recomputed from the deadline on every tick (see lib/countdown.js), so a tick the
 * browser delayed or skipped in a background tab costs nothing.
 *
 * @typedef {import("../lib/types.js").TeamTimer} TeamTimer
 * @typedef {import("../lib/live-state.js").OnlineAgent} OnlineAgent
 * @typedef {"start" | "pause" | "resume" | "skip" | "stop"} TimerAction
 */
import { availableControls, documentTitle, formatCountdown, phaseLabel, remainingMs, roundsLabel, timerAnnouncement } from "../lib/countdown.js";
import { initials } from "../lib/goal-board.js";
import { goalChoices, sessionGoalLine } from "../lib/timer-goal.js";
import { byId, h, showMessage } from "./dom.js";

const MUTED_KEY = "groupsync.muted";

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
  #ring = byId("timer-ring", HTMLElement);
  #mute = byId("mute-switch", HTMLButtonElement);
  #goalPicker = byId("timer-goal", HTMLSelectElement);
  #goalLine = byId("timer-goal-line", HTMLElement);
  /** @type {ReadonlyMap<string, import("../lib/types.js").Goal>} */
  #goals = new Map();
  #muted = readMuted();
  /** @type {AudioContext | null} made on the first click (browsers allow sound only after one) */
  #audio = null;
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
   *   onAction: (action: TimerAction, body?: Record<string, number | string>) => void,
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
      const action = /** @type {TimerAction} */ (button.dataset.timerAction);
      // Start is for the goal picked beside it (POST /pomo/start's goal), if any.
      button.addEventListener("click", () => onAction(action, action === "start" ? this.#goalBody() : undefined));
    }
    this.#startForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(this.#startForm);
      /** @type {Record<string, number | string>} */
      const body = {};
      for (const [name, value] of data) body[name] = Number(value);
      onAction("start", { ...body, ...this.#goalBody() });
    });
    this.#setForm.addEventListener("submit", (event) => {
      event.preventDefault();
      onSet(Number(new FormData(this.#setForm).get("duration_minutes")));
    });
    this.#showMuted();
    this.#mute.addEventListener("click", () => {
      this.#muted = !this.#muted;
      try { localStorage.setItem(MUTED_KEY, String(this.#muted)); } catch { /* private mode */ }
      this.#showMuted();
      if (!this.#muted) this.#chime();
    });
    this.render(null); // controls stay disabled until the timer's state is known
    setInterval(() => this.tick(), TICK_MS);
  }

  /** @returns {Record<string, string> | undefined} */
  #goalBody() {
    return this.#goalPicker.value === "" ? undefined : { goal: this.#goalPicker.value };
  }

  /** The team's goals: the open ones are offered for a session, and the session's is named. @param {ReadonlyMap<string, import("../lib/types.js").Goal>} goals */
  renderGoals(goals) {
    this.#goals = goals;
    const picked = this.#goalPicker.value;
    const choices = goalChoices(goals.values());
    const signature = JSON.stringify(choices.map((goal) => [goal.id, goal.title]));
    if (this.#goalPicker.dataset.signature !== signature) {
      this.#goalPicker.dataset.signature = signature;
      this.#goalPicker.replaceChildren(h("option", { value: "" }, "no goal"),
        ...choices.map((goal) => h("option", { value: goal.id, selected: goal.id === picked }, goal.title)));
    }
    this.#showGoalLine();
  }

  #showGoalLine() {
    const line = sessionGoalLine(this.#timer, this.#goals);
    this.#goalLine.hidden = line === "";
    this.#goalLine.textContent = line;
  }

  /** Whether the sound switch is off: the phase notifications honour it too. */
  get muted() {
    return this.#muted;
  }

  /** @param {TeamTimer | null} timer */
  render(timer) {
    const before = this.#timer;
    this.#timer = timer;
    if (timer !== null && before !== null) {
      const announcement = timerAnnouncement(before, timer);
      if (announcement !== null) this.#announcer.textContent = announcement;
      if (timer.phase !== before.phase && before.phase !== "idle" && timer.phase !== "idle") this.#chime();
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
    this.#master.textContent = runByLabel(timer);
    this.#showGoalLine();
    this.#ring.dataset.phase = timer?.phase ?? "idle";
    this.#ring.dataset.paused = String(timer?.paused ?? false);
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
      ...items.map((agent) => {
        const name = agent.member || agent.node_id;
        const leads = agent.node_id === master;
        return h("li", { "data-node-id": agent.node_id, class: "avatar-item", title: `${agent.node_id}${agent.member ? ` (${agent.member})` : ""}${leads ? ", runs the timer" : ""}` },
          h("span", { class: "avatar", "data-leads": leads, "aria-hidden": "true" }, initials(name)),
          h("span", { class: "node-id" }, agent.node_id),
          agent.member ? h("span", { class: "visually-hidden" }, ` (${agent.member})`) : null,
          leads ? h("span", { class: "badge" }, "master") : null,
        );
      }),
    );
    if (items.length === 0) this.#online.append(h("li", { class: "muted no-agents" }, "No agents online"));
  }

  /**
   * Members with the dashboard open (from the hub's presence notices).
   * @param {readonly string[]} people
   */
  renderPeople(people) {
    this.#people.textContent = people.length === 0 ? "Dashboard open: nobody" : `Dashboard open: ${people.join(", ")}`;
    this.#people.title = this.#people.textContent;
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
      const done = timer === null || timer.phase === "idle" || timer.duration_ms <= 0 ? 0 : 1 - remaining / timer.duration_ms;
      this.#ring.style.setProperty("--done", String(Math.min(1, Math.max(0, done))));
    }
    if (timer !== null && timer.phase !== "idle" && !timer.paused && remaining <= 0 && !this.#phaseOverReported) {
      this.#phaseOverReported = true;
      this.#onPhaseOver();
    }
  }


  #showMuted() {
    this.#mute.setAttribute("aria-checked", String(!this.#muted));
    this.#mute.replaceChildren(h("span", { class: "switch-word" }, this.#muted ? "Sound off" : "Sound on"));
  }

  /** Two soft notes when a phase gives way to the next, unless muted. */
  #chime() {
    if (this.#muted || typeof AudioContext === "undefined") return;
    try {
      this.#audio ??= new AudioContext();
      const audio = this.#audio;
      [660, 880].forEach((frequency, i) => {
        const oscillator = audio.createOscillator(), gain = audio.createGain();
        const at = audio.currentTime + i * 0.18;
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.35);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(at);
        oscillator.stop(at + 0.4);
      });
    } catch { /* no sound device: the announcement still says it */ }
  }
}

function readMuted() {
  try { return localStorage.getItem(MUTED_KEY) === "true"; } catch { return false; }
}

/** Who runs the timer, in plain words (no terms or roles). @param {TeamTimer | null} timer */
function runByLabel(timer) {
  if (timer === null) return "Timer run by: unknown";
  if (timer.master === null) return "Timer run by the server (no agent is running it)";
  return `Timer run by agent ${timer.master}`;
}
