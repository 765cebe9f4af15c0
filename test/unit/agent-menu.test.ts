import { describe, expect, it } from "vitest";
import type { AgentEvent } from "../../agent/agent-events.ts";
import {
  describeLists,
  fitToScreen,
  formAction,
  initialMenuState,
  joinTarget,
  onAgentEvent,
  onKey,
  onStatus,
  remainingAt,
  renderMenu,
  splitWords,
  timerLine,
  withBusy,
  type Key,
  type MenuAction,
  type MenuState,
} from "../../agent/menu/menu-model.ts";
import type { AgentStatus } from "../../agent/status-report.ts";
import type { Event } from "../../shared/calendar.ts";
import type { Goal } from "../../shared/goals.ts";

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** Presses keys in order (a plain string is typed character by character); returns the state and every action asked for. */
function press(state: MenuState, ...keys: (string | Key)[]): { state: MenuState; actions: MenuAction[] } {
  const actions: MenuAction[] = [];
  for (const key of keys) {
    const typed: Key[] = typeof key === "string" ? [...key].map((char) => ({ sequence: char, name: char })) : [key];
    for (const one of typed) {
      const result = onKey(state, one);
      state = result.state;
      if (result.action !== null) actions.push(result.action);
    }
  }
  return { state, actions };
}

const ENTER: Key = { name: "return", sequence: "\r" };
const ESCAPE: Key = { name: "escape", sequence: "\x1b" };
const BACKSPACE: Key = { name: "backspace", sequence: "\x7f" };
const CTRL_C: Key = { name: "c", ctrl: true, sequence: "\x03" };

const READY: AgentEvent = { event: "ready", node_id: "ana", tcp_port: 7420, udp_port: 7420, address: "127.0.0.1:7420/7420" };

function inSession(): MenuState {
  return onAgentEvent(initialMenuState(), READY, T0).state;
}

function phase(name: "idle" | "focus" | "short_break" | "long_break", endsAt: number | null, remainingMs: number, paused = false): AgentEvent {
  return { event: "phase", phase: name, paused, ends_at: endsAt, remaining_ms: remainingMs };
}

function status(overrides: Partial<AgentStatus>): AgentStatus {
  return {
    node_id: "ana",
    address: "127.0.0.1:7420/7420",
    tcp_port: 7420,
    udp_port: 7420,
    membership: "member",
    role: "master",
    campaigning: false,
    term: 3,
    master: "ana",
    members: [
      { id: "ana", address: "127.0.0.1:7420/7420" },
      { id: "bo", address: "127.0.0.1:7421/7421" },
    ],
    lost: [],
    phase: "focus",
    paused: false,
    remaining_ms: 60_000,
    ends_at: T0 + 60_000,
    completed_focus_rounds: 2,
    settings: { focus_ms: 1_500_000, short_break_ms: 300_000, long_break_ms: 900_000, long_break_every: 4 },
    offset_to_master_ms: 0,
    last_heartbeat_ms_ago: null,
    ticks_received: 0,
    last_tick: null,
    drops: { total: 0, tcp: 0, udp: 0 } as AgentStatus["drops"],
    links: {} as AgentStatus["links"],
    now: T0,
    uptime_ms: 1000,
    ...overrides,
  };
}

describe("menu keys", () => {
  it("starts a session with 1; in one, 1 restarts the stopped timer, and refuses while it runs; no second join", () => {
    expect(press(initialMenuState(), "1").actions).toEqual([{ kind: "start" }]);
    expect(press(inSession(), "1").actions).toEqual([{ kind: "timer", command: "start" }]);
    const stopped = onAgentEvent(inSession(), phase("idle", null, 0), T0).state;
    expect(press(stopped, "1").actions).toEqual([{ kind: "timer", command: "start" }]);
    const running = onAgentEvent(inSession(), phase("focus", T0 + 60_000, 60_000), T0).state;
    const again = press(running, "1");
    expect(again.actions).toEqual([]);
    expect(again.state.output).toEqual({ lines: ["the timer is already running (2 stops it; l leaves the session)"], error: true });
    expect(press(inSession(), "3").state.form).toBeNull();
  });

  it("g starts for a typed goal id (a session, or the stopped timer), refusing an id of another form and while the timer runs", () => {
    expect(press(initialMenuState(), "g", "launch-v2", ENTER).actions).toEqual([{ kind: "start", goal: "launch-v2" }]);
    const stopped = onAgentEvent(inSession(), phase("idle", null, 0), T0).state;
    expect(press(stopped, "g", "g1", ENTER).actions).toEqual([{ kind: "start", goal: "g1" }]);
    const bad = press(initialMenuState(), "g", "a/b", ENTER);
    expect(bad.actions).toEqual([]);
    expect(bad.state.form).toMatchObject({ purpose: "start-goal", input: "a/b" });
    expect(bad.state.output?.error).toBe(true);
    const running = onAgentEvent(inSession(), phase("focus", T0 + 60_000, 60_000), T0).state;
    const refused = press(running, "g");
    expect(refused.state.form).toBeNull();
    expect(refused.state.output).toEqual({ lines: ["the timer is already running (2 stops it; then g starts it for a goal)"], error: true });
  });

  it("joins through a typed host:port, with backspace, and Escape cancels", () => {
    const typed = press(initialMenuState(), "3", "127.0.0.1:74211", BACKSPACE);
    expect(typed.state.form).toEqual({ purpose: "join", answers: [], input: "127.0.0.1:7421" });
    expect(renderMenu(typed.state, T0, "title").join("\n")).toContain("> host:port of any member, or a host alone (e.g. localhost; empty: ask the worker): 127.0.0.1:7421_");
    expect(press(typed.state, ENTER).actions).toEqual([{ kind: "join", target: "127.0.0.1:7421" }]);
    const cancelled = press(typed.state, ESCAPE);
    expect(cancelled.actions).toEqual([]);
    expect(cancelled.state.form).toBeNull();
    // Keys typed into a form are text, not menu choices.
    expect(press(initialMenuState(), "3", "q1").state.form?.input).toBe("q1");
  });

  it("keeps a required field open when it is left empty", () => {
    const { state, actions } = press(inSession(), "t", "   ", ENTER);
    expect(actions).toEqual([]);
    expect(state.form).not.toBeNull();
    expect(state.output?.error).toBe(true);
  });

  it("joins as the original's menu did: localhost (port 7420) or an empty answer (ask the worker)", () => {
    expect(press(initialMenuState(), "3", "localhost", ENTER).actions).toEqual([{ kind: "join", target: "localhost" }]);
    expect(press(initialMenuState(), "3", ENTER).actions).toEqual([{ kind: "join", target: "" }]);
    expect(joinTarget("localhost", 7420)).toBe("127.0.0.1:7420");
    expect(joinTarget(" LOCALHOST:7500 ", 7420)).toBe("127.0.0.1:7500");
    expect(joinTarget("192.168.1.20", 7420)).toBe("192.168.1.20:7420");
    expect(joinTarget("fd00::2", 7420)).toBe("[fd00::2]:7420");
    expect(joinTarget("[fd00::2]:7421", 7420)).toBe("[fd00::2]:7421");
    expect(joinTarget("", 7420)).toBeNull();
    expect(joinTarget("no such host!", 7420)).toBeUndefined();
    // Not an address: asked again, with what was typed kept to correct.
    const bad = press(initialMenuState(), "3", "ana laptop", ENTER);
    expect(bad.actions).toEqual([]);
    expect(bad.state.form).toEqual({ purpose: "join", answers: [], input: "ana laptop" });
    expect(bad.state.output).toEqual({ lines: ["host:port of any member, or a host alone: 'ana laptop' is not host:port or a host (e.g. 192.168.1.20:7420, localhost); correct it (Esc cancels)"], error: true });
  });

  it("runs the original README's 4 (begin) -> 1 (add a calendar event) -> 3 (commit) as typed", () => {
    const begun = press(initialMenuState(), "4");
    expect(begun.actions).toEqual([{ kind: "tx", args: ["begin"] }]);
    expect(begun.state.screen).toBe("tx");
    const { actions } = press(begun.state, "1", "Meeting", ENTER, "2024-12-20T14:00:00", ENTER, ENTER, "3");
    expect(actions).toEqual([
      { kind: "tx", args: ["add-event", "--title", "Meeting", "--start", "2024-12-20T14:00:00"] },
      { kind: "tx", args: ["commit"] },
    ]);
  });

  it("checks dates as they are typed, and asks again for just the field that is wrong", () => {
    const form = press(initialMenuState(), "4", "1", "Meeting", ENTER, "2024-12-2").state;
    expect(renderMenu(form, T0, "title").join("\n")).toContain("(not yet: '2024-12-2' must be an ISO 8601 date-time such as 2026-01-15T14:00:00Z)");
    const typedOn = press(form, "0T14:00:00", ENTER);
    // 2024-12-20T14:00:00 is fine: on to "ends at".
    expect(typedOn.state.form).toMatchObject({ answers: ["Meeting", "2024-12-20T14:00:00"], input: "" });
    const feb = press(initialMenuState(), "4", "1", "Meeting", ENTER, "2026-02-30T10:00", ENTER);
    expect(feb.actions).toEqual([{ kind: "tx", args: ["begin"] }]);
    expect(feb.state.form).toEqual({ purpose: "add-event", answers: ["Meeting"], input: "2026-02-30T10:00" });
    expect(feb.state.output?.lines).toEqual(["starts at: '2026-02-30T10:00' has day 30, which 2026-02 does not have; correct it (Esc cancels)"]);
    // Corrected in place, the entry goes on; the title typed before is kept.
    const fixed = press(feb.state, BACKSPACE, BACKSPACE, BACKSPACE, BACKSPACE, BACKSPACE, BACKSPACE, BACKSPACE, BACKSPACE, "28T10:00", ENTER, "2026-02-28T09:00", ENTER);
    expect(fixed.state.output?.lines).toEqual(["ends at: must be after the start; correct it (Esc cancels)"]);
    expect(fixed.state.form).toMatchObject({ answers: ["Meeting", "2026-02-28T10:00"] });
    const goal = press(initialMenuState(), "4", "2", "Ship it", ENTER, "lots", ENTER);
    expect(goal.state.output?.lines).toEqual(["progress 0-100: 'lots' is not a whole number from 0 to 100; correct it (Esc cancels)"]);
    expect(press(inSession(), "t", "soon", ENTER).state.output?.lines[0]).toMatch(/^duration: "soon" is not a duration/);
  });

  it("sends the timer commands only from inside a session", () => {
    expect(press(inSession(), "2", "p", "r", "k", "l").actions).toEqual([
      { kind: "timer", command: "stop" },
      { kind: "timer", command: "pause" },
      { kind: "timer", command: "resume" },
      { kind: "timer", command: "skip" },
      { kind: "leave" },
    ]);
    expect(press(inSession(), "t", "10m", ENTER).actions).toEqual([{ kind: "set", duration: "10m" }]);
    const outside = press(initialMenuState(), "p");
    expect(outside.actions).toEqual([]);
    expect(outside.state.output?.lines[0]).toMatch(/^not in a session/);
    expect(press(initialMenuState(), "t").state.form).toBeNull();
  });

  it("runs tx commands from the transactions screen", () => {
    const screen = press(initialMenuState(), "4").state;
    expect(press(screen, "0").state.screen).toBe("main");
    expect(screen.screen).toBe("tx");
    expect(press(screen, "b", "3", "4", "5").actions).toEqual([
      { kind: "tx", args: ["begin"] },
      { kind: "tx", args: ["commit"] },
      { kind: "tx", args: ["abort"] },
      { kind: "tx", args: ["show"] },
    ]);
    expect(press(screen, "1", "Launch party", ENTER, "2026-12-01T14:00:00Z", ENTER, ENTER).actions).toEqual([
      { kind: "tx", args: ["add-event", "--title", "Launch party", "--start", "2026-12-01T14:00:00Z"] },
    ]);
    expect(press(screen, "2", "Ship it", ENTER, "40", ENTER).actions).toEqual([{ kind: "tx", args: ["add-goal", "--title", "Ship it", "--progress", "40"] }]);
    expect(press(screen, "6", 'update-goal g1 --title "Two words"', ENTER).actions).toEqual([{ kind: "tx", args: ["update-goal", "g1", "--title", "Two words"] }]);
    expect(press(screen, "0").state.screen).toBe("main");
  });

  it("ignores choices while busy, but always lets the user quit; Ctrl-C twice means now", () => {
    const busy = withBusy(inSession(), "starting a session");
    expect(press(busy, "1", "p").actions).toEqual([]);
    const quitting = press(busy, "q");
    expect(quitting.actions).toEqual([{ kind: "quit" }]);
    expect(quitting.state.quitting).toBe(true);
    expect(press(quitting.state, "q").actions).toEqual([]);
    expect(press(quitting.state, CTRL_C).actions).toEqual([{ kind: "quit" }]);
    expect(press(initialMenuState(), CTRL_C).actions).toEqual([{ kind: "quit" }]);
  });
});

describe("menu forms and words", () => {
  it("splits a typed command line like a shell, quotes included", () => {
    expect(splitWords(`add-event --title 'Team lunch' --start 2026-12-01T12:00:00Z --description ""`)).toEqual({
      words: ["add-event", "--title", "Team lunch", "--start", "2026-12-01T12:00:00Z", "--description", ""],
    });
    expect(splitWords(`show --tx "tx_1`)).toEqual({ error: 'unbalanced " in: show --tx "tx_1' });
    expect(formAction("tx-command", ["commit 'oops"])).toEqual({ error: "unbalanced ' in: commit 'oops" });
  });
});

describe("menu news from the agent", () => {
  it("rings the bell when the phase changes, and only then", () => {
    let state = inSession();
    const started = onAgentEvent(state, phase("focus", T0 + 1_500_000, 1_500_000), T0);
    expect(started.bell).toBe(true);
    state = started.state;
    const paused = onAgentEvent(state, phase("focus", null, 1_000_000, true), T0 + 500_000);
    expect(paused.bell).toBe(false);
    state = paused.state;
    const breakTime = onAgentEvent(state, phase("short_break", T0 + 1_300_000, 300_000), T0 + 1_000_000);
    expect(breakTime.bell).toBe(true);
    expect(onAgentEvent(breakTime.state, phase("short_break", T0 + 1_400_000, 400_000), T0 + 1_000_100).bell).toBe(false);
  });

  it("never lets an older status take the timer back, nor ring twice for one change", () => {
    let state = onAgentEvent(inSession(), phase("focus", T0 + 1000, 1000), T0).state;
    state = onAgentEvent(state, phase("short_break", T0 + 301_000, 300_000), T0 + 1000).state;
    // A status the agent answered just before the phase changed arrives afterwards.
    const stale = onStatus(state, status({ phase: "focus", ends_at: T0 + 1000, remaining_ms: 5, now: T0 + 995 }));
    expect(stale.bell).toBe(false);
    expect(stale.state.timer?.phase).toBe("short_break");
    const fresh = onStatus(state, status({ phase: "short_break", ends_at: T0 + 301_000, remaining_ms: 299_000, now: T0 + 2000 }));
    expect(fresh.bell).toBe(false);
    expect(fresh.state.agent).toMatchObject({ role: "master", term: 3, members: ["ana", "bo"], completedFocusRounds: 2 });
    // A join the session has not accepted yet says so.
    const joining = onStatus(state, status({ membership: "joining", role: "peer", now: T0 + 3000 })).state;
    expect(renderMenu(joining, T0 + 3000, "t")).toContain("node     ana at 127.0.0.1:7420/7420 (peer, term 3, joining)");
  });

  it("follows role, master and members, and forgets the session when the agent stopped", () => {
    let state = inSession();
    state = onAgentEvent(state, { event: "role", role: "master", term: 1 }, T0).state;
    state = onAgentEvent(state, { event: "members", members: ["ana", "bo"] }, T0).state;
    expect(state.agent).toMatchObject({ role: "master", term: 1, members: ["ana", "bo"] });
    expect(state.log.at(-1)).toMatch(/members: ana, bo \(2\)$/);
    const stopped = onAgentEvent(state, { event: "stopped" }, T0).state;
    expect(stopped.agent).toBeNull();
    expect(stopped.timer).toBeNull();
    expect(onStatus(stopped, status({})).state.agent).toBeNull();
  });
});

describe("menu screen", () => {
  it("counts down from the deadline at each redraw, not from ticks", () => {
    const state = onAgentEvent(inSession(), phase("focus", T0 + 25 * 60_000, 25 * 60_000), T0).state;
    const timer = state.timer!;
    expect(remainingAt(timer, T0 + 1000)).toBe(25 * 60_000 - 1000);
    expect(timerLine(timer, T0 + 1000)).toMatch(/^FOCUS {2}24m59s left, ends \d\d:\d\d:\d\d$/);
    expect(timerLine(timer, T0 + 61_500)).toMatch(/^FOCUS {2}23m59s left/);
    // Past the deadline (the phase event not in yet), it shows zero, never a negative time.
    expect(timerLine(timer, T0 + 26 * 60_000)).toMatch(/^FOCUS {2}0m00s left/);
    const screen = renderMenu(state, T0 + 1000, "groupsync-agent 0.1.0");
    expect(screen).toContain("   " + timerLine(timer, T0 + 1000));
    expect(screen.join("\n")).toContain("node     ana at 127.0.0.1:7420/7420 (peer, term 0)");
  });

  it("shows a paused timer's remaining time whatever the clock says", () => {
    const state = onAgentEvent(inSession(), phase("long_break", null, 90_000, true), T0).state;
    expect(timerLine(state.timer, T0 + 3_600_000)).toBe("LONG BREAK  PAUSED with 1m30s left (r resumes)");
    expect(timerLine(null, T0)).toMatch(/^IDLE/);
  });

  it("fits the choices in 80 columns, on both screens", () => {
    for (const state of [initialMenuState(), press(initialMenuState(), "4").state]) {
      const choices = renderMenu(state, T0, "t").filter((line) => /^ {2}\S/.test(line));
      expect(choices.length).toBeGreaterThanOrEqual(2);
      for (const line of choices) expect(line.length).toBeLessThanOrEqual(72);
    }
    expect(renderMenu(initialMenuState(), T0, "t").join("\n")).toContain("not in a session");
  });

  it("folds long lines at spaces to the terminal's width, and stops at its height", () => {
    const message = "  ! unreachable: the GroupSync worker at http://127.0.0.1:9 cannot be reached (is `npm run dev` running?)";
    const folded = fitToScreen([message, "short"], 40, 10);
    expect(folded).toEqual(["  ! unreachable: the GroupSync worker at", "    http://127.0.0.1:9 cannot be reached", "    (is `npm run dev` running?)", "short"]);
    for (const line of folded) expect(line.length).toBeLessThanOrEqual(40);
    // A word longer than the width is cut where it must be.
    expect(fitToScreen(["x".repeat(50)], 20, 10)).toEqual(["x".repeat(20), "  " + "x".repeat(18), "  " + "x".repeat(12)]);
    expect(fitToScreen(["a", "b", "c"], 20, 2)).toEqual(["a", "b"]);
  });

  it("lists events and goals", () => {
    const event = { id: "standup", title: "Standup", starts_at: "2026-01-05T09:30:00Z", ends_at: "2026-01-05T09:45:00Z" } as Event;
    const goal = { id: "ship", title: "Ship v1", progress: 40, completed: false } as Goal;
    const lines = describeLists([event], [goal], T0);
    expect(lines[1]).toBe("  2026-01-05T09:30:00Z to 2026-01-05T09:45:00Z  Standup (standup)");
    expect(lines).toContain("  [ ]  40%  Ship v1 (ship)");
    expect(describeLists([], [], T0)).toEqual([expect.stringMatching(/^no events from /), "no goals"]);
  });
});
