// @ts-check
/**
 * The dashboard's entry point: holds the team's state, loads it over REST, follows the live feed
 * (`/ws`) and hands the state to the three views. Everything another member does reaches this page
 * as a feed message and is applied by the pure rules in lib/live-state.js.
 *
 * @typedef {import("./lib/types.js").CalendarEvent} CalendarEvent
 * @typedef {import("./lib/types.js").Goal} Goal
 * @typedef {import("./lib/types.js").TeamTimer} TeamTimer
 * @typedef {import("./lib/types.js").AgentInfo} AgentInfo
 * @typedef {import("./lib/types.js").Change} Change
 * @typedef {import("./lib/types.js").HubMessage} HubMessage
 * @typedef {import("./lib/types.js").ApiErrorInfo} ApiErrorInfo
 * @typedef {import("./lib/live-state.js").LiveState} LiveState
 */
import { Api } from "./lib/api.js";
import { ClockOffset, dateHeaderSample, offsetSample } from "./lib/countdown.js";
import { knownMembers } from "./lib/goal-board.js";
import { eventKey, isSeries } from "./lib/event-key.js";
import { describeError } from "./lib/messages.js";
import { LiveSocket } from "./lib/live-socket.js";
import {
  applyChange, applyHello, applyMessage, emptyState, liveFeedUrl, withAgents, withAllGoals, withEvent, withEventWindow, withGoal,
  withoutEntry, withoutEvent, withoutGoal, withTimer,
} from "./lib/live-state.js";
import { goalMinutes, todayWindow, weekHeat, weekWindow } from "./lib/focus-panel.js";
import { dayRange, today } from "./lib/week.js";
import { browserZone } from "./lib/zoned-time.js";
import { CalendarView } from "./ui/calendar-view.js";
import { byId, showMessage } from "./ui/dom.js";
import { FocusView } from "./ui/focus-view.js";
import { GoalsView } from "./ui/goals-view.js";
import { PhaseNotifier } from "./ui/phase-notifier.js";
import { TimerView } from "./ui/timer-view.js";

const TOKEN_KEY = "groupsync.token";

/** @type {LiveState} */
let state = emptyState();
const clock = new ClockOffset();
/** Feed changes that arrived while a REST snapshot was loading; re-applied on top of it. */
/** @type {Change[]} */
let changesDuringLoad = [];
let loadsInFlight = 0;
/** True once REST answered without 401: only then is the feed opened (a 401 needs a token first). */
let authorized = false;
/** True once a hello gave this page its position in the team's feed; reconnects resume from it. */
let feedJoined = false;

const storage = {
  get: () => { try { return localStorage.getItem(TOKEN_KEY); } catch { return null; } },
  /** @param {string | null} token */
  set: (token) => { try { token === null ? localStorage.removeItem(TOKEN_KEY) : localStorage.setItem(TOKEN_KEY, token); } catch { /* private mode: this session only */ } },
};
let token = storage.get();

const api = new Api({ baseUrl: location.origin, getToken: () => token });

const timerView = new TimerView({
  offsetMs: () => clock.offsetMs,
  onAction: (action, body) => void timerCommand(`/pomo/${action}`, body),
  onSet: (minutes) => void timerCommand(`/pomo/set?duration_minutes=${encodeURIComponent(minutes)}`),
  // The deadline passed: the next phase should be on its way; ask in case its message was lost.
  onPhaseOver: () => setTimeout(() => void refreshTimer(), 1500),
});

const calendarView = new CalendarView({
  onRangeChange: () => void loadWeek(),
  onCreate: async (fields) => {
    const result = await call("POST", "/events", { body: fields, retry: true });
    if (!result.ok) return result.error;
    update(withEvent(state, result.data));
    if (isSeries(result.data)) void loadWeek();
    return result.data;
  },
  // An occurrence of a series (it has `occurrence_start`) changes alone, in all but its calendar
  // (the series' own: the occurrence PATCH refuses it); the series' other occurrences then carry a
  // new version, so the window is refetched.
  onUpdate: async (id, read, fields) => {
    const { calendar, ...occurrenceFields } = fields;
    const body = read.occurrence_start === undefined ? fields : occurrenceFields;
    const result = await call("PATCH", eventPath(id, read), { body, ifMatch: read });
    if (!result.ok) {
      if (result.error.code === "precondition_failed") await refetch("event", id);
      if (result.error.code === "not_found") update(withoutEvent(state, id));
      return result.error;
    }
    update(withEvent(state, result.data));
    if (isSeries(result.data)) void loadWeek();
    return result.data;
  },
  onDelete: async (id, read) => {
    const result = await call("DELETE", eventPath(id, read), { ifMatch: read });
    if (!result.ok && result.error.code === "precondition_failed") await refetch("event", id);
    if (!result.ok && result.error.code !== "not_found") return result.error;
    if (read.occurrence_start === undefined) update(withoutEvent(state, id));
    else {
      update(withoutEntry(state, eventKey({ id, occurrence_start: read.occurrence_start })));
      void loadWeek();
    }
    return null;
  },
});

const goalsView = new GoalsView({
  onCreate: async (fields) => {
    const result = await call("POST", "/goals", { body: fields, retry: true });
    if (!result.ok) return result.error;
    update(withGoal(state, result.data));
    return result.data;
  },
  onUpdate: async (id, read, fields) => {
    const result = await call("PATCH", `/goals/${encodeURIComponent(id)}`, { body: fields, ifMatch: read });
    if (!result.ok) {
      if (result.error.code === "precondition_failed") await refetch("goal", id);
      if (result.error.code === "not_found") update(withoutGoal(state, id));
      return result.error;
    }
    update(withGoal(state, result.data));
    return result.data;
  },
  onDelete: async (id, read) => {
    const result = await call("DELETE", `/goals/${encodeURIComponent(id)}`, { ifMatch: read });
    if (!result.ok && result.error.code === "precondition_failed") await refetch("goal", id);
    if (!result.ok && result.error.code !== "not_found") return result.error;
    update(withoutGoal(state, id));
    return null;
  },
  onCheckIn: async (id, read, fields) => {
    const result = await call("POST", `/goals/${encodeURIComponent(id)}/check-ins`, { body: fields, ifMatch: read, retry: true });
    if (!result.ok) {
      if (result.error.code === "precondition_failed") await refetch("goal", id);
      if (result.error.code === "not_found") update(withoutGoal(state, id));
      return result.error;
    }
    update(withGoal(state, result.data.goal));
    return result.data;
  },
  onCheckIns: async (id, cursor, limit) => {
    const query = `limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
    const result = await call("GET", `/goals/${encodeURIComponent(id)}/check-ins?${query}`);
    return result.ok ? result.data : result.error;
  },
});

const focusView = new FocusView();
const notifier = new PhaseNotifier({ isMuted: () => timerView.muted });
/** The week's focus buckets per goal, kept so goal titles can change under them. @type {import("../../shared/focus.ts").FocusStatsBucket[]} */
let focusByGoal = [];

const live = new LiveSocket({
  urlFor: (lastSeq) => liveFeedUrl(location.href, token, lastSeq),
  // Null until the first hello: a position in the feed only exists once the hub gave one.
  lastSeq: () => (feedJoined ? state.seq : null),
  onMessage: (message, context) => onFeedMessage(message, context),
  onStatus: (status) => showConnection(status),
});

/** Replaces the state and redraws what changed. @param {LiveState} next */
function update(next) {
  const before = state;
  state = next;
  if (next.timer !== before.timer) {
    timerView.render(next.timer);
    notifier.timerChanged(before.timer, next.timer);
  }
  if (next.timer !== before.timer || next.agents !== before.agents) timerView.renderOnline([...next.agents.values()]);
  if (next.people !== before.people) timerView.renderPeople(next.people);
  if (next.events !== before.events) {
    // Measured (Performance API) so the browser tests can hold the grid to its time budget.
    const startMark = performance.now();
    calendarView.render([...next.events.values()]);
    performance.measure("calendar-render", { start: startMark, end: performance.now(), detail: { events: next.events.size } });
  }
  if (next.goals !== before.goals) {
    goalsView.render([...next.goals.values()]);
    timerView.renderGoals(next.goals);
    focusView.renderGoals(goalMinutes(focusByGoal, next.goals));
  }
  if (next.team !== before.team || next.member !== before.member) showIdentity();
  if (next.people !== before.people || next.agents !== before.agents || next.goals !== before.goals || next.member !== before.member) renderMembers(next);
}

/** The team's member names (GET /me/team), for the owner picker; empty until loaded. @type {string[]} */
let roster = [];

/** @param {LiveState} current */
function renderMembers(current) {
  goalsView.renderMembers(knownMembers({
    roster,
    me: current.member,
    people: current.people,
    agentMembers: [...current.agents.values()].map((agent) => agent.member),
    owners: [...current.goals.values()].map((goal) => goal.owner),
  }));
}

async function loadRoster() {
  /** @type {import("./lib/api.js").ApiResult<{ members: { member: string }[] }>} */
  const result = await call("GET", "/me/team");
  if (!result.ok) return;
  roster = result.data.members.map((entry) => entry.member);
  renderMembers(state);
}

/**
 * A REST call that also feeds the clock offset and asks for a token on 401.
 * @template [T=any]
 * @param {string} method @param {string} path @param {{ body?: unknown, ifMatch?: import("./lib/api.js").ReadRecord, retry?: boolean }} [options]
 */
async function call(method, path, options) {
  /** @type {import("./lib/api.js").ApiResult<T>} */
  const result = await api.request(method, path, options);
  clock.add(dateHeaderSample(result.clock.dateHeader, result.clock.sentAtMs, result.clock.receivedAtMs));
  if (result.status === 401) askForToken(token ? "That token was not accepted. Enter a valid member token." : undefined);
  return result;
}

/** An event's path, or its occurrence's when `read` is one. @param {string} id @param {{ occurrence_start?: string }} read */
function eventPath(id, read) {
  const path = `/events/${encodeURIComponent(id)}`;
  return read.occurrence_start === undefined ? path : `${path}/occurrences/${encodeURIComponent(read.occurrence_start)}`;
}

/** @param {"event" | "goal"} kind @param {string} id */
async function refetch(kind, id) {
  const result = await call("GET", `/${kind}s/${encodeURIComponent(id)}`);
  if (kind === "event") update(result.ok ? withEvent(state, result.data) : result.status === 404 ? withoutEvent(state, id) : state);
  if (kind === "event" && result.ok && isSeries(result.data)) void loadWeek();
  else update(result.ok ? withGoal(state, result.data) : result.status === 404 ? withoutGoal(state, id) : state);
}

/**
 * Loads a REST snapshot with `load` and merges it with `merge`; feed changes that arrive meanwhile
 * are applied at once and again on top of the snapshot, which may predate them.
 * @template T
 * @param {() => Promise<T>} load
 * @param {(state: LiveState, snapshot: T) => LiveState} merge
 */
async function loadSnapshot(load, merge) {
  loadsInFlight++;
  const firstChange = changesDuringLoad.length;
  try {
    const snapshot = await load();
    let next = merge(state, snapshot);
    for (const change of changesDuringLoad.slice(firstChange)) next = applyChange(next, change);
    update(next);
  } finally {
    if (--loadsInFlight === 0) changesDuringLoad = [];
  }
}

async function loadWeek() {
  const { firstDay, dayCount } = calendarView.range;
  const { from, to } = dayRange(firstDay, dayCount, calendarView.zone);
  const window = { fromMs: Date.parse(from), toMs: Date.parse(to) };
  await loadSnapshot(
    () => api.listAll(`/events?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=500`, "events"),
    (current, result) => {
      if (!result.ok) return reportLoadError(current, result.status, result.error, "the calendar");
      return withEventWindow(current, /** @type {CalendarEvent[]} */ (result.data), window);
    },
  );
}

async function loadGoals() {
  await loadSnapshot(
    () => api.listAll("/goals?limit=500", "goals"),
    (current, result) => (result.ok ? withAllGoals(current, /** @type {Goal[]} */ (result.data)) : reportLoadError(current, result.status, result.error, "the goals")),
  );
}

async function refreshTimer() {
  /** @type {import("./lib/api.js").ApiResult<TeamTimer>} */
  const result = await call("GET", "/pomo/state");
  if (result.ok) update(withTimer(state, result.data));
  else if (result.status === 404) timerView.showError("This server has no team timer yet (GET /pomo/state answered 404).");
}

async function refreshAgents() {
  /** @type {import("./lib/api.js").ApiResult<{ agents: AgentInfo[] }>} */
  const result = await call("GET", "/agents");
  if (result.ok) update(withAgents(state, result.data.agents));
}

/**
 * The focus panel's figures: today per member and this week (per day, per goal), in this browser's
 * zone; at start and on each `focus.completed`.
 */
async function loadFocus() {
  const zone = browserZone(), now = Date.now();
  const day = todayWindow(now, zone), week = weekWindow(now, zone);
  const window = (/** @type {{ from: string, to: string }} */ range) => `from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`;
  /** @type {[import("./lib/api.js").ApiResult<import("../../shared/focus.ts").FocusStats>, import("./lib/api.js").ApiResult<import("../../shared/focus.ts").FocusRound[]>, import("./lib/api.js").ApiResult<import("../../shared/focus.ts").FocusStats>]} */
  const [members, sessions, goals] = await Promise.all([
    call("GET", `/focus/stats?${window(day)}&group_by=member`),
    api.listAll(`/focus/sessions?${window(week)}&limit=500`, "sessions"),
    call("GET", `/focus/stats?${window(week)}&group_by=goal`),
  ]);
  const failed = [members, sessions, goals].find((result) => !result.ok);
  focusView.showError(failed === undefined || failed.ok ? "" : `Could not load the focus figures: ${describeError(failed.error)}`);
  if (members.ok) focusView.renderToday(members.data);
  if (sessions.ok) focusView.renderWeek(weekHeat(sessions.data, week.firstDay, zone), today(now, zone));
  if (goals.ok) {
    focusByGoal = goals.data.groups;
    focusView.renderGoals(goalMinutes(focusByGoal, state.goals));
  }
}

/** The day the focus figures are for: after midnight (or a Monday) "today" and "this week" move on. */
let focusDay = today(Date.now(), browserZone());
setInterval(() => {
  const now = today(Date.now(), browserZone());
  if (now === focusDay || !authorized) return;
  focusDay = now;
  void loadFocus();
}, 60_000);

/** Several rounds recorded at once (a gap filled in) reload the figures once. */
let focusReload = /** @type {ReturnType<typeof setTimeout> | null} */ (null);
function scheduleFocusReload() {
  if (focusReload !== null) return;
  focusReload = setTimeout(() => {
    focusReload = null;
    void loadFocus();
  }, 300);
}

/** @param {LiveState} current @param {number} status @param {ApiErrorInfo} error @param {string} what */
function reportLoadError(current, status, error, what) {
  if (status === 401) askForToken();
  else showMessage(byId("page-error", HTMLElement), `Could not load ${what}: ${describeError(error)}`);
  return current;
}

/** Everything over REST: at start, after a new token, and when the feed says `reload`. */
async function loadEverything() {
  const probe = await call("GET", "/goals?limit=1");
  if (probe.status === 401) return;
  authorized = true;
  showMessage(byId("page-error", HTMLElement), probe.ok ? "" : `Could not load the team's data: ${describeError(probe.error)}`);
  await Promise.all([loadWeek(), loadGoals(), refreshTimer(), refreshAgents(), loadRoster(), loadFocus()]);
}

/**
 * @param {HubMessage} message
 * @param {{ resuming: boolean, openedAtMs: number }} context
 */
function onFeedMessage(message, context) {
  if (message.type === "hello") {
    clock.add(offsetSample({ serverTimeMs: message.server_time, sentAtMs: context.openedAtMs, receivedAtMs: Date.now() }));
    update(applyHello(state, message, { resuming: context.resuming }));
    feedJoined = true;
    // A fresh feed starts at hello's seq: what changed between the first REST load and now is only
    // in a new snapshot.
    if (!context.resuming) void loadEverything();
    return;
  }
  if (message.type === "error") {
    showMessage(byId("page-error", HTMLElement), `Live updates: ${message.message}`);
    return;
  }
  const { state: next, action } = applyMessage(state, message);
  if ("seq" in message && loadsInFlight > 0 && next !== state) changesDuringLoad.push(/** @type {Change} */ (message));
  update(next);
  if (action === "reload") void loadEverything();
  if (action === "events") void loadWeek();
  if (message.type === "focus.completed") scheduleFocusReload();
  if (action === "gap") live.restart();
  if (message.type === "member.joined" || message.type === "member.left") {
    if (message.kind === "agent") void refreshAgents();
  }
}

/**
 * @param {string} path
 * @param {Record<string, number | string>} [body]
 */
async function timerCommand(path, body) {
  timerView.showError("");
  /** @type {import("./lib/api.js").ApiResult<TeamTimer>} */
  const result = await call("POST", path, body === undefined ? {} : { body });
  if (result.ok) update(withTimer(state, result.data));
  else if (result.status !== 401) timerView.showError(describeError(result.error, { what: "the timer" }));
}

function showIdentity() {
  const identity = byId("identity", HTMLElement);
  identity.textContent = state.team === null ? "" : `Team ${state.team} · signed in as ${state.member}`;
}

/** @param {import("./lib/live-socket.js").LiveStatus} status */
function showConnection(status) {
  const element = byId("connection", HTMLElement);
  element.dataset.status = status;
  element.textContent = {
    connecting: "Connecting…",
    live: "Live",
    reconnecting: "Reconnecting…",
    offline: "Offline: others' changes appear when the connection returns",
  }[status];
}

// ---- Token ----------------------------------------------------------------------------------

const tokenDialog = byId("token-dialog", HTMLDialogElement);
const tokenInput = byId("token-input", HTMLInputElement);
const tokenError = byId("token-error", HTMLElement);

/** @param {string} [reason] */
function askForToken(reason) {
  authorized = false;
  live.stop();
  showConnection("offline");
  byId("connection", HTMLElement).textContent = "Not signed in";
  byId("identity", HTMLElement).textContent = "This team needs a member token";
  byId("token-reason", HTMLElement).textContent = reason ?? "This team needs a token. Your team's admin gives each member one.";
  showMessage(tokenError, "");
  if (!tokenDialog.open) tokenDialog.showModal();
  tokenInput.focus();
}

byId("token-button", HTMLButtonElement).addEventListener("click", () => {
  byId("token-reason", HTMLElement).textContent = token ? "A token is saved in this browser. Enter another to switch." : "Enter your member token (not needed on an open team).";
  showMessage(tokenError, "");
  tokenDialog.showModal();
});

byId("token-form", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  const candidate = tokenInput.value.trim();
  if (candidate === "") return;
  // Checked before it is kept, so a typo gets an answer here rather than a second dialog.
  const check = await new Api({ baseUrl: location.origin, getToken: () => candidate }).request("GET", "/goals?limit=1");
  if (check.status === 401) {
    showMessage(tokenError, "That token was not accepted. Check it and try again.");
    return;
  }
  token = candidate;
  storage.set(candidate);
  tokenInput.value = "";
  tokenDialog.close();
  await start();
});

byId("token-forget", HTMLButtonElement).addEventListener("click", () => {
  token = null;
  storage.set(null);
  tokenDialog.close();
  void start();
});

byId("token-cancel", HTMLButtonElement).addEventListener("click", () => tokenDialog.close());

// ---- Start ----------------------------------------------------------------------------------

/** From scratch: a new token means another team, so nothing of the old state is kept. */
async function start() {
  live.stop();
  state = emptyState();
  feedJoined = false;
  changesDuringLoad = [];
  update(state);
  calendarView.render([]);
  goalsView.render([]);
  await loadEverything();
  if (authorized) live.start();
}

// Background tabs get their timers throttled and laptops sleep: when the page is seen again, the
// clock offset is measured anew and the timer re-read, and a dropped feed reconnects at once.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible" || !authorized) return;
  clock.expire();
  timerView.tick();
  void refreshTimer();
  live.nudge();
});
window.addEventListener("online", () => live.nudge());

void start();
