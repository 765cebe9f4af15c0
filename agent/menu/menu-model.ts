/**
 * The interactive menu as pure data and functions: keystrokes and agent news go in, a new state and
 * at most one action for the terminal side (terminal-menu.ts) to carry out come out, and a screen
 * is rendered from a state and a clock reading. Nothing here touches a socket, a timer or the tty,
 * so all of it is unit tested.
 *
 * The countdown is always `ends_at - now`, recomputed at every redraw, never a count of ticks: a
 * redraw that comes late shows the right time anyway.
 */
import { formatEvent, type AgentEvent } from "../agent-events.ts";
import type { Event } from "../../shared/calendar.ts";
import type { Goal } from "../../shared/goals.ts";
import { parseDuration, parseInstant } from "../../shared/instant.ts";
import { isGoalId, MAX_DURATION_MS, type Phase } from "../../shared/pomodoro.ts";
import { formatHostPort, parseHostPort, type HostPort } from "../net/peer-address.ts";
import type { AgentStatus } from "../status-report.ts";
import { formatClockTime, formatDuration } from "../time-format.ts";

/** A keypress as node:readline's emitKeypressEvents reports it. */
export interface Key {
  readonly name?: string;
  readonly sequence?: string;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
}

export type TimerCommandKind = "start" | "pause" | "resume" | "skip" | "stop";

/** What the terminal side is asked to do. Each maps onto a CLI command and runs the same code. */
export type MenuAction =
  /** A session, or (in one) the stopped timer; `goal`: for that goal (the g key). */
  | { readonly kind: "start"; readonly goal?: string }
  /** `target` as typed: host:port, a host alone (the default port), or "" (ask the worker); see joinTarget. */
  | { readonly kind: "join"; readonly target: string }
  | { readonly kind: "timer"; readonly command: TimerCommandKind }
  | { readonly kind: "set"; readonly duration: string }
  | { readonly kind: "leave" }
  | { readonly kind: "tx"; readonly args: readonly string[] }
  | { readonly kind: "list" }
  | { readonly kind: "quit" };

export type FormPurpose = "join" | "set" | "start-goal" | "add-event" | "add-goal" | "tx-command";

interface FormField {
  readonly label: string;
  readonly optional: boolean;
  /** Why the (non-empty) answer will not do, given the answers before it; null when it will. */
  readonly check?: (answer: string, before: readonly string[]) => string | null;
}

export interface Form {
  readonly purpose: FormPurpose;
  /** Answers to the fields before the current one. */
  readonly answers: readonly string[];
  /** What is typed so far for the current field. */
  readonly input: string;
}

export interface TimerView {
  readonly phase: Phase;
  readonly paused: boolean;
  /** Epoch ms on this machine's clock; null when idle or paused. */
  readonly endsAt: number | null;
  /** What was left when this view was taken; what the screen shows while paused. */
  readonly remainingMs: number;
  /** This machine's clock when the view was taken: older news never overwrites newer. */
  readonly asOf: number;
}

export interface AgentView {
  readonly nodeId: string;
  readonly address: string;
  readonly role: string;
  /** From the agent's status: "joining" until a join is accepted; null until the first status. */
  readonly membership: string | null;
  readonly term: number;
  readonly master: string | null;
  readonly members: readonly string[];
  readonly completedFocusRounds: number;
}

export interface Output {
  readonly lines: readonly string[];
  readonly error: boolean;
}

export interface MenuState {
  readonly screen: "main" | "tx";
  readonly form: Form | null;
  /** Null: this process runs no agent (not started, not joined, or left). */
  readonly agent: AgentView | null;
  readonly timer: TimerView | null;
  /** The phase last seen, to ring the bell when it changes. */
  readonly lastPhase: Phase;
  /** What is being done right now; keys other than quit wait until it is over. */
  readonly busy: string | null;
  readonly output: Output | null;
  /** The agent's latest lines (role, members, commands...), newest last. */
  readonly log: readonly string[];
  /** Quit was asked for; the terminal side is leaving. */
  readonly quitting: boolean;
}

export const LOG_LINES = 6;
export const BELL = "\x07";

const checkJoinTarget = (answer: string) => (joinTarget(answer, 1) === undefined ? `'${answer}' is not host:port or a host (e.g. 192.168.1.20:7420, localhost)` : null);

const checkDuration = (answer: string) => {
  try {
    const ms = parseDuration(answer);
    return ms > 0 && ms <= MAX_DURATION_MS ? null : "must be more than 0 and at most 24h";
  } catch (error) {
    return (error as Error).message;
  }
};

const checkTime = (answer: string) => {
  const parsed = parseInstant(answer);
  return typeof parsed === "string" ? `'${answer}' ${parsed}` : null;
};

const checkEnd = (answer: string, before: readonly string[]) => {
  const bad = checkTime(answer);
  if (bad !== null) return bad;
  const start = parseInstant(before[1] ?? "");
  return typeof start === "number" && (parseInstant(answer) as number) <= start ? "must be after the start" : null;
};

const checkGoalId = (answer: string) => (isGoalId(answer) ? null : `'${answer}' is not a goal id (letters, digits, '-', '_', '.', '~'; the ids 5 lists)`);

const checkProgress = (answer: string) => (/^\d{1,3}$/.test(answer) && Number(answer) <= 100 ? null : `'${answer}' is not a whole number from 0 to 100`);

const FORMS: Record<FormPurpose, { readonly title: string; readonly fields: readonly FormField[] }> = {
  join: {
    title: "join a session",
    fields: [{ label: "host:port of any member, or a host alone (e.g. localhost; empty: ask the worker)", optional: true, check: checkJoinTarget }],
  },
  set: { title: "set what is left of this phase", fields: [{ label: "duration (e.g. 10m, 90s)", optional: false, check: checkDuration }] },
  "start-goal": { title: "start for a goal (its focus rounds are recorded with it)", fields: [{ label: "goal id (5 lists the goals)", optional: false, check: checkGoalId }] },
  "add-event": {
    title: "add a calendar event to the current transaction",
    fields: [
      { label: "title", optional: false },
      { label: "starts at (e.g. 2026-12-01T14:00:00Z; no offset: UTC)", optional: false, check: checkTime },
      { label: "ends at (empty: one hour later)", optional: true, check: checkEnd },
    ],
  },
  "add-goal": {
    title: "add a goal to the current transaction",
    fields: [
      { label: "title", optional: false },
      { label: "progress 0-100 (empty: 0)", optional: true, check: checkProgress },
    ],
  },
  "tx-command": { title: "any tx command (see groupsync-agent tx --help)", fields: [{ label: "groupsync-agent tx", optional: false }] },
};

/**
 * What the menu's join answer names: host:port as typed, a host alone on `defaultPort` (the
 * original's `localhost`), or null for an empty answer (ask the worker). Undefined: not an address.
 */
export function joinTarget(answer: string, defaultPort: number): string | null | undefined {
  const text = answer.trim();
  if (text === "") return null;
  // localhost may resolve to ::1 first, where an agent listening on IPv4 is not.
  const local = ({ host, port }: HostPort) => formatHostPort({ host: host.toLowerCase() === "localhost" ? "127.0.0.1" : host, port });
  const full = parseHostPort(text);
  if (full !== null) return local(full);
  const alone = parseHostPort(`${text.includes(":") ? `[${text}]` : text}:${defaultPort}`);
  return alone === null ? undefined : local(alone);
}

/** The problem with what is typed so far in the current field, shown as it is typed; null if none (or nothing typed). */
export function fieldProblem(form: Form): string | null {
  const field = FORMS[form.purpose].fields[form.answers.length]!;
  const answer = form.input.trim();
  return answer === "" || field.check === undefined ? null : field.check(answer, form.answers);
}

export function initialMenuState(): MenuState {
  return { screen: "main", form: null, agent: null, timer: null, lastPhase: "idle", busy: null, output: null, log: [], quitting: false };
}

export interface KeyResult {
  readonly state: MenuState;
  readonly action: MenuAction | null;
}

/** One keystroke. */
export function onKey(state: MenuState, key: Key): KeyResult {
  if (key.ctrl && (key.name === "c" || key.name === "d")) return quit(state, "force");
  if (state.quitting) return { state, action: null };
  if (state.form !== null) return onFormKey(state, state.form, key);
  const pressed = key.sequence ?? key.name ?? "";
  if (pressed === "q" || pressed === "Q") return quit(state);
  if (state.busy !== null) return { state, action: null };
  return state.screen === "main" ? onMainKey(state, pressed) : onTxKey(state, pressed, key);
}

function onMainKey(state: MenuState, pressed: string): KeyResult {
  const inSession = state.agent !== null;
  const needsSession = (action: MenuAction): KeyResult =>
    inSession ? { state, action } : { state: withOutput(state, ["not in a session: press 1 to start one or 3 to join one"], true), action: null };
  switch (pressed) {
    case "1":
      // In a session, start is the original's "start timer": it restarts a stopped one.
      if (inSession && (state.timer === null || state.timer.phase === "idle")) return { state, action: { kind: "timer", command: "start" } };
      if (inSession) return { state: withOutput(state, ["the timer is already running (2 stops it; l leaves the session)"], true), action: null };
      return { state, action: { kind: "start" } };
    case "g":
      if (inSession && state.timer !== null && state.timer.phase !== "idle") return { state: withOutput(state, ["the timer is already running (2 stops it; then g starts it for a goal)"], true), action: null };
      return { state: openForm(state, "start-goal"), action: null };
    case "2":
      return needsSession({ kind: "timer", command: "stop" });
    case "3":
      if (inSession) return { state: withOutput(state, ["already in a session; press l to leave it first"], true), action: null };
      return { state: openForm(state, "join"), action: null };
    case "4":
      // The original's "4 begin transaction": then 1 adds an event, 3 commits.
      return { state: { ...state, screen: "tx", output: null }, action: { kind: "tx", args: ["begin"] } };
    case "5":
      return { state, action: { kind: "list" } };
    case "p":
      return needsSession({ kind: "timer", command: "pause" });
    case "r":
      return needsSession({ kind: "timer", command: "resume" });
    case "k":
      return needsSession({ kind: "timer", command: "skip" });
    case "t":
      return inSession ? { state: openForm(state, "set"), action: null } : needsSession({ kind: "set", duration: "" });
    case "l":
      return needsSession({ kind: "leave" });
    default:
      return { state, action: null };
  }
}

function onTxKey(state: MenuState, pressed: string, key: Key): KeyResult {
  switch (pressed) {
    case "b":
      return { state, action: { kind: "tx", args: ["begin"] } };
    case "1":
      return { state: openForm(state, "add-event"), action: null };
    case "2":
      return { state: openForm(state, "add-goal"), action: null };
    case "3":
      return { state, action: { kind: "tx", args: ["commit"] } };
    case "4":
      return { state, action: { kind: "tx", args: ["abort"] } };
    case "5":
      return { state, action: { kind: "tx", args: ["show"] } };
    case "6":
      return { state: openForm(state, "tx-command"), action: null };
    case "0":
      return { state: { ...state, screen: "main", output: null }, action: null };
    default:
      if (key.name === "escape" || key.name === "backspace") return { state: { ...state, screen: "main", output: null }, action: null };
      return { state, action: null };
  }
}

function onFormKey(state: MenuState, form: Form, key: Key): KeyResult {
  if (key.name === "escape") return { state: { ...state, form: null, output: { lines: ["cancelled"], error: false } }, action: null };
  if (key.name === "backspace") return { state: { ...state, form: { ...form, input: form.input.slice(0, -1) } }, action: null };
  if (key.name === "return" || key.name === "enter") {
    const field = FORMS[form.purpose].fields[form.answers.length]!;
    const answer = form.input.trim();
    if (answer === "" && !field.optional) return { state: withOutput(state, [`${field.label}: needs an answer (Esc cancels)`], true), action: null };
    // A bad answer asks for this one field again, keeping what was typed to correct it.
    const problem = fieldProblem(form);
    if (problem !== null) return { state: withOutput(state, [`${fieldName(field)}: ${problem}; correct it (Esc cancels)`], true), action: null };
    const answers = [...form.answers, answer];
    if (answers.length < FORMS[form.purpose].fields.length) return { state: { ...state, form: { ...form, answers, input: "" }, output: null }, action: null };
    const submitted = formAction(form.purpose, answers);
    if ("error" in submitted) return { state: { ...state, form: null, output: { lines: [submitted.error], error: true } }, action: null };
    return { state: { ...state, form: null, output: null }, action: submitted };
  }
  // Typed or pasted text: printable characters only.
  const text = key.ctrl || key.meta ? "" : (key.sequence ?? "");
  if (text === "" || /[\x00-\x1f\x7f]/.test(text)) return { state, action: null };
  return { state: { ...state, form: { ...form, input: form.input + text } }, action: null };
}

/** The action a filled-in form asks for. */
export function formAction(purpose: FormPurpose, answers: readonly string[]): MenuAction | { readonly error: string } {
  const [first = "", second = "", third = ""] = answers;
  switch (purpose) {
    case "join":
      return { kind: "join", target: first };
    case "set":
      return { kind: "set", duration: first };
    case "start-goal":
      return { kind: "start", goal: first };
    case "add-event":
      return { kind: "tx", args: ["add-event", "--title", first, "--start", second, ...(third === "" ? [] : ["--end", third])] };
    case "add-goal":
      return { kind: "tx", args: ["add-goal", "--title", first, ...(second === "" ? [] : ["--progress", second])] };
    case "tx-command": {
      const words = splitWords(first);
      if ("error" in words) return words;
      return { kind: "tx", args: words.words };
    }
  }
}

/** Splits a typed command line into words as a shell would for plain words and '…' / "…" quotes. */
export function splitWords(line: string): { readonly words: string[] } | { readonly error: string } {
  const words: string[] = [];
  let current: string | null = null;
  let quote: string | null = null;
  for (const char of line) {
    if (quote !== null) {
      if (char === quote) quote = null;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      current ??= "";
    } else if (/\s/.test(char)) {
      if (current !== null) words.push(current);
      current = null;
    } else {
      current = (current ?? "") + char;
    }
  }
  if (quote !== null) return { error: `unbalanced ${quote} in: ${line}` };
  if (current !== null) words.push(current);
  return { words };
}

/** The label up to its example, e.g. "starts at". */
function fieldName(field: FormField): string {
  return field.label.replace(/ \(.*$/, "");
}

function openForm(state: MenuState, purpose: FormPurpose): MenuState {
  return { ...state, form: { purpose, answers: [], input: "" }, output: null };
}

/** q asks to quit (a master hands over first); Ctrl-C while quitting means "now". */
function quit(state: MenuState, again: "ignore" | "force" = "ignore"): KeyResult {
  if (state.quitting) return { state, action: again === "force" ? { kind: "quit" } : null };
  return { state: { ...state, quitting: true, form: null, busy: state.agent === null ? "quitting" : "leaving the session, then quitting" }, action: { kind: "quit" } };
}

export function withOutput(state: MenuState, lines: readonly string[], error: boolean): MenuState {
  return { ...state, output: { lines, error } };
}

export function withBusy(state: MenuState, busy: string | null): MenuState {
  return { ...state, busy };
}

// ---- news from the agent -------------------------------------------------------------------------

export interface NewsResult {
  readonly state: MenuState;
  /** The phase changed: ring the terminal bell. */
  readonly bell: boolean;
}

/** A line the in-process agent reported (the same events `start` prints), seen at `now`. */
export function onAgentEvent(state: MenuState, event: AgentEvent, now: number): NewsResult {
  switch (event.event) {
    case "ready":
      return {
        state: {
          ...state,
          agent: { nodeId: event.node_id, address: event.address, role: "peer", membership: null, term: 0, master: null, members: [event.node_id], completedFocusRounds: 0 },
          timer: null,
          lastPhase: "idle",
          log: appendLog(state.log, event, now),
        },
        bell: false,
      };
    case "phase":
      return observeTimer(state, { phase: event.phase, paused: event.paused, endsAt: event.ends_at, remainingMs: event.remaining_ms, asOf: now });
    case "stopped":
      return { state: { ...state, agent: null, timer: null, lastPhase: "idle", log: appendLog(state.log, event, now) }, bell: false };
    default: {
      const agent = state.agent === null ? null : updateAgent(state.agent, event);
      return { state: { ...state, agent, log: appendLog(state.log, event, now) }, bell: false };
    }
  }
}

/** A status the agent answered over its control port (times already on this machine's clock). */
export function onStatus(state: MenuState, status: AgentStatus): NewsResult {
  if (state.agent === null) return { state, bell: false };
  const agent: AgentView = {
    nodeId: status.node_id,
    address: status.address,
    role: status.campaigning ? "campaigning" : status.role,
    membership: status.membership,
    term: status.term,
    master: status.master,
    members: status.members.map((member) => member.id),
    completedFocusRounds: status.completed_focus_rounds,
  };
  return observeTimer(
    { ...state, agent },
    { phase: status.phase, paused: status.paused, endsAt: status.ends_at, remainingMs: status.remaining_ms, asOf: status.now },
  );
}

function observeTimer(state: MenuState, timer: TimerView): NewsResult {
  // A status answered before an event arrived must not take the screen (or the bell) back in time.
  if (state.timer !== null && timer.asOf < state.timer.asOf) return { state, bell: false };
  const bell = timer.phase !== state.lastPhase;
  return { state: { ...state, timer, lastPhase: timer.phase }, bell };
}

function updateAgent(agent: AgentView, event: AgentEvent): AgentView {
  switch (event.event) {
    case "role":
      return { ...agent, role: event.role, term: event.term };
    case "master":
      return { ...agent, master: event.master, term: event.term };
    case "term":
      return { ...agent, term: event.term };
    case "members":
      return { ...agent, members: event.members };
    case "joined":
      return { ...agent, master: event.master };
    default:
      return agent;
  }
}

function appendLog(log: readonly string[], event: AgentEvent, now: number): readonly string[] {
  return [...log, `${formatClockTime(now)} ${formatEvent(event)}`].slice(-LOG_LINES);
}

// ---- the screen ------------------------------------------------------------------------------------

const PHASE_NAMES: Record<Phase, string> = { idle: "IDLE", focus: "FOCUS", short_break: "SHORT BREAK", long_break: "LONG BREAK" };

/** What is left of the phase at `now`: from the deadline while running, as reported while paused. */
export function remainingAt(timer: TimerView, now: number): number {
  if (timer.phase === "idle") return 0;
  if (timer.paused || timer.endsAt === null) return timer.remainingMs;
  return Math.max(0, timer.endsAt - now);
}

/** The countdown line, e.g. "FOCUS  24m59s left, ends 14:50:02". */
export function timerLine(timer: TimerView | null, now: number): string {
  if (timer === null || timer.phase === "idle") return "IDLE  the timer is stopped (l leaves the session, then 1 starts a new one)";
  const left = formatDuration(remainingAt(timer, now));
  if (timer.paused) return `${PHASE_NAMES[timer.phase]}  PAUSED with ${left} left (r resumes)`;
  return `${PHASE_NAMES[timer.phase]}  ${left} left, ends ${formatClockTime(timer.endsAt ?? now)}`;
}

/** The whole screen at `now`, one string per line (not yet cut to the terminal's width). */
export function renderMenu(state: MenuState, now: number, title: string): string[] {
  const lines = [`${title}  ${formatClockTime(now)}`, ""];
  const { agent } = state;
  if (agent === null) {
    lines.push("not in a session", "");
  } else {
    lines.push(
      `node     ${agent.nodeId} at ${agent.address} (${agent.role}, term ${agent.term}${agent.membership === null || agent.membership === "member" ? "" : `, ${agent.membership}`})`,
      `master   ${agent.master ?? "none right now"}`,
      `members  ${agent.members.join(", ")} (${agent.members.length}); ${agent.completedFocusRounds} focus rounds done`,
      "",
      `   ${timerLine(state.timer, now)}`,
    );
  }
  lines.push("");
  // Kept within 72 columns, so an 80-column terminal shows every choice.
  if (state.screen === "main") {
    lines.push(
      "  1 start (a session, or the stopped timer)  2 stop the timer",
      "  3 join a session     4 begin a transaction  5 list events, goals",
      "  p pause   r resume   k skip   t set time left   l leave   q quit",
      "  g start for a goal (a session, or the stopped timer)",
    );
  } else {
    lines.push(
      "  transactions (all or nothing across calendar and goals):",
      "  b begin    1 add calendar event    2 add goal    3 commit",
      "  4 abort    5 show    6 other tx command    0 back    q quit",
    );
  }
  lines.push("");
  if (state.form !== null) {
    const form = FORMS[state.form.purpose];
    const field = form.fields[state.form.answers.length]!;
    lines.push(`  ${form.title} (Enter: next, Esc: cancel)`);
    for (const [i, answer] of state.form.answers.entries()) lines.push(`    ${form.fields[i]!.label}: ${answer}`);
    lines.push(`  > ${field.label}: ${state.form.input}_`);
    const problem = fieldProblem(state.form);
    if (problem !== null) lines.push(`    (not yet: ${problem})`);
  }
  if (state.busy !== null) lines.push(`  ... ${state.busy}`);
  if (state.output !== null) {
    for (const line of state.output.lines) lines.push(`  ${state.output.error ? "! " : ""}${line}`);
  }
  if (state.log.length > 0) {
    lines.push("", "  agent:");
    for (const line of state.log) lines.push(`  ${line}`);
  }
  return lines;
}

/**
 * The screen's lines folded to the terminal's width, at spaces where possible, continuations
 * indented under the line they continue; at most `height` lines (the rest would scroll the screen).
 */
export function fitToScreen(lines: readonly string[], width: number, height: number): string[] {
  const fitted: string[] = [];
  for (const line of lines) {
    let rest = line;
    const indent = " ".repeat(Math.min(/^ */.exec(line)![0].length + 2, Math.floor(width / 2)));
    while (rest.length > width) {
      const space = rest.lastIndexOf(" ", width);
      const cut = space > indent.length ? space : width;
      fitted.push(rest.slice(0, cut));
      rest = indent + rest.slice(cut).trimStart();
    }
    fitted.push(rest);
  }
  return fitted.slice(0, height);
}

/** The lines `5 list` shows: upcoming events and goals. */
export function describeLists(events: readonly Event[], goals: readonly Goal[], now: number): string[] {
  const lines = [events.length === 0 ? `no events from ${formatClockTime(now)} on` : `events from ${formatClockTime(now)} on:`];
  for (const event of events) lines.push(`  ${event.starts_at} to ${event.ends_at}  ${event.title} (${event.id})`);
  lines.push(goals.length === 0 ? "no goals" : "goals:");
  for (const goal of goals) lines.push(`  ${goal.completed ? "[x]" : "[ ]"} ${String(goal.progress).padStart(3)}%  ${goal.title} (${goal.id})`);
  return lines;
}
