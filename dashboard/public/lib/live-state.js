// @ts-check
import { eventKey, isSeries } from "./event-key.js";

/**
 * The team's state as this page knows it, and how each message of the live feed (`GET /ws`, the
 * schemas in shared/live.ts) changes it. Pure: every function returns a new state and never
 * touches the page, so the same rules are unit tested in Node.
 *
 * Ordering rules, because the page learns about one change up to three ways (its own REST answer,
 * the live feed, a REST reload) in any order:
 * - feed messages carry `seq`; one at or below the last applied is a duplicate and is ignored;
 * - an event or goal is replaced only by the same or a newer `version`;
 * - the timer is replaced only by one updated at the same time or later.
 *
 * @typedef {import("./types.js").CalendarEvent} CalendarEvent
 * @typedef {import("./types.js").Goal} Goal
 * @typedef {import("./types.js").TeamTimer} TeamTimer
 * @typedef {import("./types.js").Change} Change
 * @typedef {import("./types.js").HubMessage} HubMessage
 * @typedef {{ node_id: string, member: string, role?: "master" | "peer", connected?: boolean }} OnlineAgent
 * @typedef {{
 *   seq: number,
 *   team: string | null,
 *   member: string | null,
 *   events: ReadonlyMap<string, CalendarEvent>,
 *   goals: ReadonlyMap<string, Goal>,
 *   timer: TeamTimer | null,
 *   agents: ReadonlyMap<string, OnlineAgent>,
 *   people: readonly string[],
 * }} LiveState
 *   `events` is keyed by `eventKey`: each occurrence of a series apart.
 * @typedef {"reload" | "gap" | "caught_up" | "events" | null} FeedAction
 *   What the page must do after a message: refetch over REST, reconnect from the last seq (a change
 *   is missing), note that catch-up is complete, or refetch the calendar's window ("events": a
 *   series changed, and only a listing says what its occurrences are now).
 */

/** @returns {LiveState} */
export function emptyState() {
  return { seq: 0, team: null, member: null, events: new Map(), goals: new Map(), timer: null, agents: new Map(), people: [] };
}

/**
 * The hub's first message. On a fresh connection the feed position is taken from it; when resuming
 * (`last_seq` was sent) the page keeps its own position, since the missed changes follow.
 * @param {LiveState} state
 * @param {Extract<HubMessage, { type: "hello" }>} hello
 * @param {{ resuming: boolean }} options
 * @returns {LiveState}
 */
export function applyHello(state, hello, { resuming }) {
  const next = { ...state, team: hello.team, member: hello.member };
  if (!resuming) next.seq = hello.seq;
  return withTimer(next, hello.timer);
}

/**
 * One message from the feed other than hello.
 * @param {LiveState} state
 * @param {HubMessage} message
 * @returns {{ state: LiveState, action: FeedAction }}
 */
export function applyMessage(state, message) {
  switch (message.type) {
    case "hello":
      return { state: applyHello(state, message, { resuming: true }), action: null };
    case "reload":
      return { state: { ...state, seq: message.seq }, action: "reload" };
    case "caught_up":
      return { state, action: "caught_up" };
    case "presence":
      // Who has the dashboard open: state, not a change of the feed (it has no seq). The whole list
      // comes once per socket, then batched diffs.
      return { state: { ...state, people: message.people }, action: null };
    case "presence.diff":
      return { state: { ...state, people: withPresenceDiff(state.people, message) }, action: null };
    case "error":
    case "command":
    case "report.refused":
    case "report.wanted":
      return { state, action: null };
    default: {
      if (message.seq <= state.seq) return { state, action: null };
      // Feed messages only follow a hello, which set `state.seq`: a jump means a change went missing.
      const gap = message.seq > state.seq + 1;
      const seriesChanged = (message.type === "event.created" || message.type === "event.updated") && isSeries(message.event);
      return { state: { ...applyChange(state, message), seq: message.seq }, action: gap ? "gap" : seriesChanged ? "events" : null };
    }
  }
}

/**
 * Who has the dashboard open after a `presence.diff`: those who left go, those who joined come.
 * @param {readonly string[]} people
 * @param {{ joined: string[], left: string[] }} diff
 * @returns {string[]}
 */
export function withPresenceDiff(people, diff) {
  const next = new Set(people);
  for (const member of diff.left) next.delete(member);
  for (const member of diff.joined) next.add(member);
  return [...next].sort();
}

/**
 * A change's effect on the state, whatever its seq (also used to re-apply changes that arrived
 * while a REST snapshot was loading).
 * @param {LiveState} state
 * @param {Change} change
 * @returns {LiveState}
 */
export function applyChange(state, change) {
  switch (change.type) {
    case "event.created":
    case "event.updated":
      return withEvent(state, change.event);
    case "event.deleted":
      return withoutEvent(state, change.id);
    case "goal.created":
    case "goal.updated":
      return withGoal(state, change.goal);
    case "goal.deleted":
      return withoutGoal(state, change.id);
    case "timer.state":
      return withTimer(state, change.timer);
    case "member.joined":
      if (change.kind !== "agent" || change.node_id === undefined || state.agents.has(change.node_id)) return state;
      return { ...state, agents: new Map(state.agents).set(change.node_id, { node_id: change.node_id, member: change.member, connected: true }) };
    case "member.left": {
      if (change.kind !== "agent" || change.node_id === undefined || !state.agents.has(change.node_id)) return state;
      const agents = new Map(state.agents);
      agents.delete(change.node_id);
      return { ...state, agents };
    }
    default:
      return state; // tx.committed / tx.aborted: their effects arrive as event and goal changes
  }
}

/**
 * An event as a change or a REST answer gives it. A series' own record (with `recurrence`) says
 * nothing of where its occurrences fall now: its older occurrences go, and the page refetches the
 * window (the "events" action) to show the new ones. Occurrences as new as it stay, so a change
 * re-applied over a fresher listing takes nothing away.
 * @param {LiveState} state @param {CalendarEvent} event @returns {LiveState}
 */
export function withEvent(state, event) {
  if (event.recurrence !== undefined && event.occurrence_start === undefined) {
    const stale = [...state.events].filter(([, e]) => e.id === event.id && e.version < event.version);
    if (stale.length === 0) return state;
    const events = new Map(state.events);
    for (const [key] of stale) events.delete(key);
    return { ...state, events };
  }
  const key = eventKey(event);
  const current = state.events.get(key);
  if (current !== undefined && current.version > event.version) return state;
  return { ...state, events: new Map(state.events).set(key, event) };
}

/** The event `id` is gone: a single event, or a whole series with every occurrence. @param {LiveState} state @param {string} id @returns {LiveState} */
export function withoutEvent(state, id) {
  const gone = [...state.events].filter(([, e]) => e.id === id);
  if (gone.length === 0) return state;
  const events = new Map(state.events);
  for (const [key] of gone) events.delete(key);
  return { ...state, events };
}

/** One entry alone is gone (a cancelled occurrence): `key` as `eventKey` gives it. @param {LiveState} state @param {string} key @returns {LiveState} */
export function withoutEntry(state, key) {
  if (!state.events.has(key)) return state;
  const events = new Map(state.events);
  events.delete(key);
  return { ...state, events };
}

/** @param {LiveState} state @param {Goal} goal @returns {LiveState} */
export function withGoal(state, goal) {
  const current = state.goals.get(goal.id);
  if (current !== undefined && current.version > goal.version) return state;
  return { ...state, goals: new Map(state.goals).set(goal.id, goal) };
}

/** @param {LiveState} state @param {string} id @returns {LiveState} */
export function withoutGoal(state, id) {
  if (!state.goals.has(id)) return state;
  const goals = new Map(state.goals);
  goals.delete(id);
  return { ...state, goals };
}

/** @param {LiveState} state @param {TeamTimer} timer @returns {LiveState} */
export function withTimer(state, timer) {
  if (state.timer !== null && Date.parse(timer.updated_at) < Date.parse(state.timer.updated_at)) return state;
  return { ...state, timer };
}

/**
 * A REST snapshot of the events in [fromMs, toMs): replaces what the state knew of that window
 * (events deleted meanwhile disappear), keeps everything outside it.
 * @param {LiveState} state
 * @param {CalendarEvent[]} events
 * @param {{ fromMs: number, toMs: number }} window
 * @returns {LiveState}
 */
export function withEventWindow(state, events, { fromMs, toMs }) {
  const next = new Map([...state.events].filter(([, e]) => !(Date.parse(e.starts_at) < toMs && Date.parse(e.ends_at) > fromMs)));
  for (const event of events) next.set(eventKey(event), event);
  return { ...state, events: next };
}

/** A REST snapshot of all goals. @param {LiveState} state @param {Goal[]} goals @returns {LiveState} */
export function withAllGoals(state, goals) {
  return { ...state, goals: new Map(goals.map((goal) => [goal.id, goal])) };
}

/**
 * `GET /agents`: the agents connected now.
 * @param {LiveState} state
 * @param {OnlineAgent[]} agents
 * @returns {LiveState}
 */
export function withAgents(state, agents) {
  return { ...state, agents: new Map(agents.filter((a) => a.connected !== false).map((a) => [a.node_id, a])) };
}

/**
 * Goals in board order: open ones first (oldest first, so the board does not reshuffle as goals
 * are added), then completed ones.
 * @param {Iterable<Goal>} goals
 */
export function boardOrder(goals) {
  return [...goals].sort((a, b) => Number(a.completed) - Number(b.completed) || a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

/**
 * Who drives the timer, as the page says it.
 * @param {TeamTimer | null} timer
 */
export function masterLabel(timer) {
  if (timer === null) return "unknown";
  if (timer.master === null) return "the server (no agent is driving the timer)";
  return `agent ${timer.master}${timer.term > 0 ? ` (term ${timer.term})` : ""}`;
}

/**
 * Reconnect delays after a lost connection: 0.5 s doubling to 30 s, each with jitter (50–100 %), so
 * a whole team whose connection dropped at once does not reconnect in one burst.
 * @param {number} attempt 0 for the first retry
 * @param {number} random a number in [0, 1)
 */
export function reconnectDelayMs(attempt, random) {
  const ceiling = Math.min(30_000, 500 * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling * (0.5 + random / 2));
}

/**
 * The WebSocket URL for a page at `pageUrl`: same host, ws(s), token and last_seq in the query.
 * `lastSeq` null: a fresh start (nothing to replay); 0 is a position too (replay from the start).
 */
export function liveFeedUrl(/** @type {string} */ pageUrl, /** @type {string | null} */ token, /** @type {number | null} */ lastSeq) {
  const url = new URL("/ws", pageUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  if (token) url.searchParams.set("token", token);
  if (lastSeq !== null) url.searchParams.set("last_seq", String(lastSeq));
  return url.toString();
}
