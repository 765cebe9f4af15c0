import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import * as live from "../../dashboard/public/lib/live-state.js";
import type { Event } from "../../shared/calendar.ts";
import type { Goal } from "../../shared/goals.ts";
import type { Change, HubMessage, TeamTimer } from "../../shared/live.ts";

function event(id: string, version = 1, title = id): Event {
  return { id, title, description: "", calendar: "team", starts_at: "2026-11-24T10:00:00.000Z", ends_at: "2026-11-24T11:00:00.000Z", created_by: "ana", created_at: "2026-11-20T00:00:00.000Z", updated_at: "2026-11-20T00:00:00.000Z", version };
}

function goal(id: string, overrides: Partial<Goal> = {}): Goal {
  return { id, title: id, description: "", owner: "ana", state: "open", completed: false, progress: 0, progress_before_close: null, key_results: [], health: null, checked_in_at: null, due: null, created_by: "ana", created_at: "2026-11-20T00:00:00.000Z", updated_at: "2026-11-20T00:00:00.000Z", version: 1, ...overrides };
}

function timer(updatedAt: string, overrides: Partial<TeamTimer> = {}): TeamTimer {
  return {
    running: false, paused: false, phase: "idle", round: 0, start_time: null, duration: 0, duration_ms: 0, remaining_time: 0, remaining_ms: 0, ends_at: null,
    settings: { focus_ms: 1_500_000, short_break_ms: 300_000, long_break_ms: 900_000, long_break_every: 4 },
    master: null, members: [], term: 0, updated_at: updatedAt, ...overrides,
  };
}

const base = { team: "acme", at: "2026-11-24T10:00:00.000Z", by: "bo" };
const created = (seq: number, e: Event): Change => ({ ...base, seq, type: "event.created", id: e.id, event: e });
const updated = (seq: number, e: Event): Change => ({ ...base, seq, type: "event.updated", id: e.id, event: e });
const deleted = (seq: number, id: string): Change => ({ ...base, seq, type: "event.deleted", id });
const hello = (seq: number, t = timer("2026-11-24T09:00:00.000Z")): Extract<HubMessage, { type: "hello" }> => ({ type: "hello", team: "acme", member: "ana", seq, server_time: 0, timer: t, nonce: "n" });

/** Applies messages in order; returns the final state and every action asked for. */
function feed(state: ReturnType<typeof live.emptyState>, messages: HubMessage[]) {
  const actions: string[] = [];
  for (const message of messages) {
    const result = live.applyMessage(state, message);
    state = result.state;
    if (result.action !== null) actions.push(result.action);
  }
  return { state, actions };
}

describe("applying the live feed", () => {
  it("a fresh hello sets the feed position; creates, updates and deletes follow", () => {
    let state = live.applyHello(live.emptyState(), hello(7), { resuming: false });
    expect([state.seq, state.team, state.member]).toEqual([7, "acme", "ana"]);
    const { state: after, actions } = feed(state, [created(8, event("e1")), updated(9, event("e1", 2, "Renamed")), created(10, event("e2")), deleted(11, "e2")]);
    expect([...after.events.values()].map((e: Event) => [e.id, e.title, e.version])).toEqual([["e1", "Renamed", 2]]);
    expect(after.seq).toBe(11);
    expect(actions).toEqual([]);
  });

  it("takes presence (who has the dashboard open) as state, without moving the feed position", () => {
    const state = live.applyHello(live.emptyState(), hello(4), { resuming: false });
    const { state: after, actions } = feed(state, [{ type: "presence", people: ["ana", "bo"] }, created(5, event("e1")), { type: "presence", people: ["ana"] }]);
    expect(after.people).toEqual(["ana"]);
    expect(after.seq).toBe(5);
    expect(actions).toEqual([]);
  });

  it("applies batched presence diffs to the whole list it was sent", () => {
    const state = live.applyHello(live.emptyState(), hello(4), { resuming: false });
    const { state: after, actions } = feed(state, [
      { type: "presence", people: ["ana", "bo"] },
      { type: "presence.diff", joined: ["cy", "dee"], left: ["bo"] },
      created(5, event("e1")),
      { type: "presence.diff", joined: ["bo"], left: ["dee", "nobody"] },
    ]);
    expect(after.people).toEqual(["ana", "bo", "cy"]);
    expect(after.seq).toBe(5);
    expect(actions).toEqual([]);
  });

  it("ignores a change it has seen (seq at or below the last applied)", () => {
    const state = live.applyHello(live.emptyState(), hello(0), { resuming: false });
    const { state: after } = feed(state, [created(1, event("e1")), deleted(2, "e1"), created(1, event("e1"))]);
    expect(after.events.size).toBe(0);
    expect(after.seq).toBe(2);
  });

  it("on resume keeps its own position, so the replayed changes after last_seq are applied", () => {
    let state = feed(live.applyHello(live.emptyState(), hello(0), { resuming: false }), [created(1, event("e1"))]).state;
    // Reconnected with last_seq=1; meanwhile the feed moved to 3.
    state = live.applyHello(state, hello(3), { resuming: true });
    expect(state.seq).toBe(1);
    const { state: after, actions } = feed(state, [updated(2, event("e1", 2)), created(3, event("e2")), { type: "caught_up", seq: 3 }]);
    expect([...after.events.keys()]).toEqual(["e1", "e2"]);
    expect(after.events.get("e1")?.version).toBe(2);
    expect(actions).toEqual(["caught_up"]);
  });

  it("asks to reconnect when a seq is missing, and to reload when the hub says so", () => {
    const state = live.applyHello(live.emptyState(), hello(4), { resuming: false });
    expect(feed(state, [created(6, event("e1"))]).actions).toEqual(["gap"]);
    const reloaded = feed(state, [{ type: "reload", reason: "too old", seq: 40 }]);
    expect(reloaded.actions).toEqual(["reload"]);
    expect(reloaded.state.seq).toBe(40);
  });

  it("never lets an older version replace a newer one (the page's own REST answer may arrive first)", () => {
    let state = live.withEvent(live.emptyState(), event("e1", 3, "From my PATCH"));
    state = live.applyChange(state, updated(5, event("e1", 2, "Older, from the feed")));
    expect(state.events.get("e1")?.title).toBe("From my PATCH");
    state = live.withGoal(state, goal("g1", { version: 4, progress: 80 }));
    state = live.withGoal(state, goal("g1", { version: 3, progress: 10 }));
    expect(state.goals.get("g1")?.progress).toBe(80);
  });

  it("keeps the newest timer and follows timer.state", () => {
    let state = live.withTimer(live.emptyState(), timer("2026-11-24T10:00:05.000Z", { phase: "focus" }));
    state = live.withTimer(state, timer("2026-11-24T10:00:01.000Z", { phase: "idle" }));
    expect(state.timer?.phase).toBe("focus");
    state = live.applyChange(state, { ...base, seq: 1, type: "timer.state", timer: timer("2026-11-24T10:00:09.000Z", { phase: "short_break" }) });
    expect(state.timer?.phase).toBe("short_break");
  });

  it("tracks agents joining and leaving; browsers are not agents", () => {
    let state = live.withAgents(live.emptyState(), [{ node_id: "a1", member: "ana", role: "master", connected: true }, { node_id: "gone", member: "bo", connected: false }]);
    expect([...state.agents.keys()]).toEqual(["a1"]);
    state = live.applyChange(state, { ...base, seq: 1, type: "member.joined", node_id: "b1", member: "bo", kind: "agent" });
    state = live.applyChange(state, { ...base, seq: 2, type: "member.joined", member: "cy", kind: "browser" });
    state = live.applyChange(state, { ...base, seq: 3, type: "member.left", node_id: "a1", member: "ana", kind: "agent" });
    expect([...state.agents.keys()]).toEqual(["b1"]);
  });
});

describe("REST snapshots", () => {
  it("replace the week they cover, so events deleted meanwhile vanish, and keep other weeks", () => {
    let state = live.withEvent(live.emptyState(), event("this-week"));
    state = live.withEvent(state, { ...event("next-week"), starts_at: "2026-12-01T10:00:00.000Z", ends_at: "2026-12-01T11:00:00.000Z" });
    state = live.withEventWindow(state, [event("new")], { fromMs: Date.parse("2026-11-23T00:00:00Z"), toMs: Date.parse("2026-11-30T00:00:00Z") });
    expect([...state.events.keys()].sort()).toEqual(["new", "next-week"]);
  });

  it("a change that arrived during the load is applied again on top of the (older) snapshot", () => {
    // The snapshot was read before e1 was deleted; the deletion arrived over the feed meanwhile.
    let state = live.applyChange(live.withEvent(live.emptyState(), event("e1")), deleted(3, "e1"));
    state = live.withEventWindow(state, [event("e1")], { fromMs: 0, toMs: Date.parse("2030-01-01T00:00:00Z") });
    expect(state.events.has("e1")).toBe(true); // the stale snapshot brought it back...
    state = live.applyChange(state, deleted(3, "e1"));
    expect(state.events.has("e1")).toBe(false); // ...and re-applying the recorded change removes it
  });
});

/** The occurrences a weekly series lists, Mondays 09:00 from 2026-11-02, each with its occurrence_start. */
function weekly(id: string, weeks: number, version = 1, title = id): Event[] {
  return Array.from({ length: weeks }, (_, i) => {
    const start = new Date(Date.parse("2026-11-02T09:00:00.000Z") + i * 7 * 86_400_000).toISOString();
    const end = new Date(Date.parse(start) + 3_600_000).toISOString();
    return { ...event(id, version, title), starts_at: start, ends_at: end, series_id: id, occurrence_start: start };
  });
}
const seriesRecord = (id: string, version: number): Event => ({ ...weekly(id, 1, version)[0]!, series_id: undefined, occurrence_start: undefined, recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4"] });

describe("series: every occurrence is its own entry", () => {
  const month = { fromMs: Date.parse("2026-11-01T00:00:00Z"), toMs: Date.parse("2026-12-01T00:00:00Z") };

  it("a listing's occurrences of one series all stay (they share the series' id)", () => {
    const state = live.withEventWindow(live.emptyState(), [...weekly("standup", 4), event("single")], month);
    expect([...state.events.values()].map((e: Event) => e.occurrence_start ?? e.id).sort()).toEqual([
      "2026-11-02T09:00:00.000Z", "2026-11-09T09:00:00.000Z", "2026-11-16T09:00:00.000Z", "2026-11-23T09:00:00.000Z", "single",
    ]);
  });

  it("one occurrence's change (an override, as a listing shows it) replaces that occurrence alone", () => {
    let state = live.withEventWindow(live.emptyState(), weekly("standup", 4), month);
    const moved = { ...weekly("standup", 4, 2, "Moved")[1]!, starts_at: "2026-11-10T09:00:00.000Z", ends_at: "2026-11-10T10:00:00.000Z" };
    state = live.withEvent(state, moved);
    expect([...state.events.values()].map((e: Event) => e.title)).toEqual(["standup", "Moved", "standup", "standup"]);
  });

  it("a live change of the series drops its older occurrences and asks for the window again", () => {
    let state = live.applyHello(live.emptyState(), hello(1), { resuming: false });
    state = live.withEventWindow(state, [...weekly("standup", 4), event("single")], month);
    const result = live.applyMessage(state, updated(2, seriesRecord("standup", 2)));
    expect(result.action).toBe("events");
    expect([...result.state.events.keys()]).toEqual(["single"]);
    // The refetched listing brings the new occurrences; re-applying the change keeps them.
    state = live.withEventWindow(result.state, [...weekly("standup", 4, 2, "Renamed"), event("single")], month);
    state = live.applyChange(state, updated(2, seriesRecord("standup", 2)));
    expect([...state.events.values()].map((e: Event) => e.title)).toEqual(["Renamed", "Renamed", "Renamed", "Renamed", "single"]);
  });

  it("a single event's change asks for nothing more; deleting the series removes every occurrence", () => {
    let state = live.applyHello(live.emptyState(), hello(1), { resuming: false });
    state = live.withEventWindow(state, [...weekly("standup", 4), event("single")], month);
    expect(live.applyMessage(state, updated(2, event("single", 2))).action).toBe(null);
    const after = live.applyMessage(state, deleted(2, "standup"));
    expect([after.action, [...after.state.events.keys()]]).toEqual([null, ["single"]]);
  });

  it("a cancelled occurrence goes alone", () => {
    const state = live.withEventWindow(live.emptyState(), weekly("standup", 3), month);
    const second = [...state.events.keys()][1]!;
    const after = live.withoutEntry(state, second);
    expect([...after.events.values()].map((e: Event) => e.occurrence_start)).toEqual(["2026-11-02T09:00:00.000Z", "2026-11-16T09:00:00.000Z"]);
  });
});

describe("the board and the connection", () => {
  it("orders goals: open ones oldest first, then completed ones", () => {
    const order = live.boardOrder([
      goal("done", { completed: true, created_at: "2026-11-01T00:00:00Z" }),
      goal("newer", { created_at: "2026-11-10T00:00:00Z" }),
      goal("older", { created_at: "2026-11-02T00:00:00Z" }),
    ]);
    expect(order.map((g: Goal) => g.id)).toEqual(["older", "newer", "done"]);
  });

  it("backs off from 0.5 s to 30 s with jitter", () => {
    expect(live.reconnectDelayMs(0, 0)).toBe(250);
    expect(live.reconnectDelayMs(0, 0.999999)).toBe(500);
    expect(live.reconnectDelayMs(3, 0.5)).toBe(3000);
    expect(live.reconnectDelayMs(50, 0.999999)).toBe(30_000);
  });

  it("builds the feed URL: same host, ws or wss, token and last_seq only when there are any", () => {
    expect(live.liveFeedUrl("http://127.0.0.1:8787/#calendar", null, null)).toBe("ws://127.0.0.1:8787/ws");
    // Joined at seq 0 (a team with no changes yet): resuming must still replay from there.
    expect(live.liveFeedUrl("http://127.0.0.1:8787/", null, 0)).toBe("ws://127.0.0.1:8787/ws?last_seq=0");
    expect(live.liveFeedUrl("https://gs.example.com/", "gs_a+b/c", 42)).toBe("wss://gs.example.com/ws?token=gs_a%2Bb%2Fc&last_seq=42");
  });

  it("says who drives the timer", () => {
    expect(live.masterLabel(timer("2026-11-24T10:00:00Z", { master: "ana-laptop", term: 3 }))).toBe("agent ana-laptop (term 3)");
    expect(live.masterLabel(timer("2026-11-24T10:00:00Z"))).toBe("the server (no agent is driving the timer)");
  });
});
