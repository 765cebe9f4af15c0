import { describe, expect, it } from "vitest";
import { signAgentMessage } from "../../shared/agent-proof.ts";
import { Change, HubNotice, TeamTimer, type HubMessage } from "../../shared/live.ts";
import { call, newTeam } from "./api.ts";

const NOTICES = new Set(["hello", "reload", "caught_up", "error", "command", "report.refused", "report.wanted", "presence", "presence.diff"]);

/** A WebSocket to /ws inside workerd, collecting every message it receives. */
async function connect(token: string, query = "") {
  const res = await call(`/ws?token=${token}${query}`, { headers: { upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const messages: HubMessage[] = [];
  const waiters: Array<() => void> = [];
  ws.addEventListener("message", (event) => {
    const parsed = JSON.parse(String(event.data));
    messages.push(NOTICES.has(parsed.type) ? HubNotice.parse(parsed) : Change.parse(parsed));
    for (const wake of waiters.splice(0)) wake();
  });
  ws.accept();
  const until = async (test: (all: HubMessage[]) => boolean, what: string, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!test(messages)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  await until((all) => all.some((m) => m.type === "hello"), "hello");
  const changes = () => messages.filter((m): m is Change => !NOTICES.has(m.type));
  const nonce = (messages.find((m) => m.type === "hello") as Extract<HubMessage, { type: "hello" }>).nonce;
  /** Sends an agent message signed under `key` for this socket (or for `forNonce`), as worker-link.ts does. */
  const sendSigned = async (key: string, message: Record<string, unknown>, options: { forNonce?: string; at?: number } = {}) => {
    const signed = await signAgentMessage(key, options.forNonce ?? nonce, { ...message, at: options.at ?? Date.now() });
    ws.send(JSON.stringify(signed));
    return signed;
  };
  /** A master's heartbeat, then its report of `timer` at `term`: what a master agent sends when its timer changes. */
  const reportAsMaster = async (key: string, nodeId: string, term: number, timer: Record<string, unknown> = focusReport) => {
    await sendSigned(key, heartbeat(nodeId, term));
    await sendSigned(key, { type: "timer.report", node_id: nodeId, term, timer });
  };
  /** Who has the dashboard open as this socket was told: the whole list, then the diffs after it (null before any). */
  const people = () => {
    let list: string[] | null = null;
    for (const m of messages) {
      if (m.type === "presence") list = [...m.people];
      if (m.type === "presence.diff" && list !== null) list = [...new Set([...list.filter((p) => !m.left.includes(p)), ...m.joined])].sort();
    }
    return list;
  };
  return { ws, messages, changes, until, token, nonce, sendSigned, reportAsMaster, people };
}

/** The team's agent key, as an agent without one gets it. */
async function agentKey(t: Awaited<ReturnType<typeof newTeam>>): Promise<string> {
  const res = await t.get("/team/agent-key");
  expect(res.status).toBe(200);
  return res.json.team_key as string;
}

const settings = { focus_ms: 1500_000, short_break_ms: 300_000, long_break_ms: 900_000, long_break_every: 4 };
const focusReport = { phase: "focus", paused: false, round: 0, remaining_ms: 600_000, duration_ms: 1500_000, settings };
const heartbeat = (nodeId: string, term: number, role = "master") => ({ type: "agent.heartbeat", node_id: nodeId, role, term, master: role === "master" ? nodeId : null, members: [nodeId], tcp: "127.0.0.1:7420" });

const slot = (hour: number) => ({ starts_at: `2031-01-06T${String(hour).padStart(2, "0")}:00:00Z`, ends_at: `2031-01-06T${String(hour).padStart(2, "0")}:30:00Z` });

describe("GET /ws", () => {
  it("sends hello, then every change of the team with consecutive seqs", async () => {
    const t = await newTeam();
    const socket = await connect(t.token);
    const hello = socket.messages[0]!;
    expect(hello).toMatchObject({ type: "hello", team: t.team, member: "ana", seq: 0 });

    const booked = await t.post("/events", { title: "Standup", ...slot(9) });
    expect(booked.status).toBe(201);
    const goal = await t.post("/goals", { title: "Ship" });
    await t.patch(`/goals/${goal.json.id}`, { progress: 50 });
    await t.delete(`/events/${booked.json.id}`);
    await socket.until((all) => all.filter((m) => !NOTICES.has(m.type)).length >= 4, "four changes");

    const changes = socket.changes();
    expect(changes.map((c) => c.type)).toEqual(["event.created", "goal.created", "goal.updated", "event.deleted"]);
    expect(changes.map((c) => c.seq)).toEqual([1, 2, 3, 4]);
    expect(changes[0]).toMatchObject({ id: booked.json.id, by: "ana", event: { title: "Standup" } });
    socket.ws.close();
  });

  it("a goal's check-in reaches sockets as goal.updated, carrying the goal it left", async () => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "Ship", key_results: [{ id: "k", title: "Tests", metric: "number", target: 4 }] });
    const socket = await connect(t.token);
    const checkIn = await t.post("/goals/g/check-ins", { health: "at_risk", key_results: [{ id: "k", current: 1 }] });
    expect(checkIn.status).toBe(201);
    await socket.until((all) => all.some((m) => m.type === "goal.updated"), "the check-in's change");
    expect(socket.changes()).toEqual([expect.objectContaining({ type: "goal.updated", id: "g", by: "ana", goal: checkIn.json.goal })]);
    socket.ws.close();
  });

  it("replays what a client missed after last_seq, in order and exactly once, then goes live", async () => {
    const t = await newTeam();
    for (let hour = 8; hour < 13; hour++) expect((await t.post("/events", { title: `E${hour}`, ...slot(hour) })).status).toBe(201);
    const socket = await connect(t.token, "&last_seq=2");
    await socket.until((all) => all.some((m) => m.type === "caught_up"), "caught_up");
    await t.post("/events", { title: "Live", ...slot(14) });
    await socket.until((all) => all.filter((m) => !NOTICES.has(m.type)).length >= 4, "live change");
    expect(socket.changes().map((c) => c.seq)).toEqual([3, 4, 5, 6]);
    // (presence notices, about who has the dashboard open, may come in between: they are not the feed)
    expect(socket.messages.map((m) => m.type).filter((type) => type !== "presence")).toEqual(["hello", "event.created", "event.created", "event.created", "caught_up", "event.created"]);
    socket.ws.close();
  });

  it("50 clients receive concurrent bookings in one order; a client that reconnects with its last seq catches up exactly", async () => {
    // Five members with ten tabs each: one member may hold at most LIVE_MAX_SOCKETS_PER_MEMBER (10).
    const members = ["m0", "m1", "m2", "m3", "m4"];
    const t = await newTeam(members);
    const sockets = await Promise.all(Array.from({ length: 50 }, (_, i) => connect(t.tokens[members[i % 5]!]!)));
    const leaver = sockets[0]!;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => t.post("/events", { title: `B${i}`, ...slot(i + 6) })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    for (const socket of sockets) await socket.until((all) => all.filter((m) => m.type === "event.created").length >= 10, "ten bookings");
    const order = sockets[0]!.changes().map((c) => c.seq);
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const ids = sockets[0]!.changes().map((c) => (c as { id: string }).id);
    for (const socket of sockets) expect(socket.changes().map((c) => (c as { id: string }).id)).toEqual(ids);

    leaver.ws.close();
    await t.post("/goals", { title: "While away" });
    await t.post("/events", { title: "Also while away", ...slot(20) });
    const back = await connect(leaver.token, "&last_seq=10");
    await back.until((all) => all.some((m) => m.type === "caught_up"), "caught_up");
    expect(back.changes().map((c) => [c.seq, c.type])).toEqual([
      [11, "goal.created"],
      [12, "event.created"],
    ]);
    for (const socket of [...sockets.slice(1), back]) socket.ws.close();
  });

  it("a socket that opens on a hub the worker just found idle still gets the next change (the hub's catch-up alarm)", async () => {
    const t = await newTeam();
    // No sockets: the hub says so, and this isolate stops poking it for a moment.
    await t.post("/goals", { title: "Nobody listens" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const socket = await connect(t.token);
    const started = Date.now();
    await t.post("/goals", { title: "Someone does now" });
    await socket.until((all) => all.some((m) => m.type === "goal.created"), "the change the worker did not poke the hub about", 5000);
    expect(socket.changes().map((c) => [c.seq, c.type])).toEqual([[2, "goal.created"]]);
    expect(Date.now() - started).toBeLessThan(3000);
    socket.ws.close();
  });

  it("sockets that had their hello on a hub the worker just found idle get the next change at once, not at the catch-up", async () => {
    const members = ["m0", "m1", "m2", "m3", "m4"];
    const t = await newTeam(members);
    await t.post("/goals", { title: "Nobody listens" }); // the hub answers "no sockets": the worker stops poking it for a second
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sockets = await Promise.all(Array.from({ length: 50 }, (_, i) => connect(t.tokens[members[i % 5]!]!)));
    const started = Date.now();
    await t.post("/goals", { title: "Fifty listen now" });
    const arrived: number[] = [];
    for (const socket of sockets) {
      await socket.until((all) => all.some((m) => m.type === "goal.created"), "the change");
      arrived.push(Date.now() - started);
    }
    // Warm fan-out to 50 sockets takes tens of ms here; the catch-up alarm would take over a second.
    expect(Math.max(...arrived)).toBeLessThan(400);
    for (const socket of sockets) socket.ws.close();
  });

  it("tells a client whose last_seq is ahead of the feed to reload", async () => {
    const t = await newTeam();
    const socket = await connect(t.token, "&last_seq=99");
    await socket.until((all) => all.some((m) => m.type === "reload"), "reload");
    socket.ws.close();
  });

  it("sends a team's changes to its own sockets only", async () => {
    const a = await newTeam();
    const b = await newTeam();
    const other = await connect(b.token);
    const own = await connect(a.token);
    await a.post("/events", { title: "Private", ...slot(10) });
    await own.until((all) => all.some((m) => m.type === "event.created"), "own change");
    await b.post("/goals", { title: "B's goal" });
    await other.until((all) => all.some((m) => m.type === "goal.created"), "B's change");
    expect(other.changes().map((c) => c.type)).toEqual(["goal.created"]);
    own.ws.close();
    other.ws.close();
  });

  it("tells every socket who has the dashboard open, outside the feed", async () => {
    const t = await newTeam(["ana", "bo"]);
    const ana = await connect(t.token);
    await ana.until((all) => all.some((m) => m.type === "presence"), "ana's own presence");
    expect(ana.people()).toEqual(["ana"]);
    const bo = await connect(t.tokens.bo!);
    await ana.until(() => JSON.stringify(ana.people()) === '["ana","bo"]', "bo arriving");
    await bo.until(() => JSON.stringify(bo.people()) === '["ana","bo"]', "bo seeing both");
    expect((await t.get("/agents")).json.people).toEqual(["ana", "bo"]);
    bo.ws.close();
    await ana.until(() => JSON.stringify(ana.people()) === '["ana"]', "bo leaving");
    // Presence is not history: nothing of it is in the feed.
    expect(ana.changes()).toEqual([]);
    ana.ws.close();
  });

  it("refuses without a valid token, a bad last_seq, and a request that is not an upgrade", async () => {
    expect((await call("/ws?token=nope", { headers: { upgrade: "websocket" } })).status).toBe(401);
    const t = await newTeam();
    const bad = await call(`/ws?token=${t.token}&last_seq=-1`, { headers: { upgrade: "websocket" } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("last_seq");
    expect((await call(`/ws?token=${t.token}`)).status).toBe(426);
  });

  it("answers malformed agent messages with an error, and keeps the socket", async () => {
    const t = await newTeam();
    const socket = await connect(t.token, "&client=agent");
    socket.ws.send("not json");
    socket.ws.send(JSON.stringify({ type: "timer.report", node_id: "x", term: 1 }));
    await socket.until((all) => all.filter((m) => m.type === "error").length >= 2, "two errors");
    await t.post("/goals", { title: "Still live" });
    await socket.until((all) => all.some((m) => m.type === "goal.created"), "a change after the errors");
    socket.ws.close();
  });
});

describe("/pomo with no agents: the worker keeps the timer", () => {
  it("start, pause, resume, set and stop give correct remaining times", async () => {
    const t = await newTeam();
    const idle = TeamTimer.parse((await t.get("/pomo/state")).json);
    expect(idle).toMatchObject({ running: false, phase: "idle", master: null });

    const started = await t.post("/pomo/start", { focus_minutes: 25 });
    expect(started.status).toBe(200);
    expect(started.json).toMatchObject({ running: true, paused: false, phase: "focus", duration: 1500 });
    expect(started.json.remaining_ms).toBeGreaterThan(1500_000 - 2000);
    expect(started.json.ends_at).toBeGreaterThan(Date.now() + 1490_000);

    const paused = await t.post("/pomo/pause", undefined);
    expect(paused.json).toMatchObject({ paused: true, running: false, ends_at: null });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stillPaused = (await t.get("/pomo/state")).json;
    expect(stillPaused.remaining_ms).toBe(paused.json.remaining_ms);

    const resumed = await t.post("/pomo/resume", undefined);
    expect(resumed.json.running).toBe(true);
    expect(Math.abs(resumed.json.ends_at - Date.now() - paused.json.remaining_ms)).toBeLessThan(2000);

    const set = await call("/pomo/set?duration_minutes=3", { method: "POST", headers: { authorization: `Bearer ${t.token}` } });
    expect(set.status).toBe(200);
    const setTimer = TeamTimer.parse(await set.json());
    expect(setTimer.remaining_ms).toBeGreaterThan(180_000 - 2000);
    expect(setTimer.remaining_ms).toBeLessThanOrEqual(180_000);
    expect(setTimer.duration).toBe(180);

    const skipped = await t.post("/pomo/skip", undefined);
    expect(skipped.json).toMatchObject({ phase: "short_break", round: 1 });
    const stopped = await t.post("/pomo/stop", undefined);
    expect(stopped.json).toMatchObject({ phase: "idle", running: false });
  });

  it("announces every timer change on the feed", async () => {
    const t = await newTeam();
    const socket = await connect(t.token);
    await t.post("/pomo/start", undefined);
    await t.post("/pomo/pause", undefined);
    await socket.until((all) => all.filter((m) => m.type === "timer.state").length >= 2, "two timer states");
    const states = socket.changes().filter((c) => c.type === "timer.state");
    expect(states.map((s) => (s as Extract<Change, { type: "timer.state" }>).timer.paused)).toEqual([false, true]);
    socket.ws.close();
  });

  it("refuses commands that make no sense now, and bad durations, naming the field", async () => {
    const t = await newTeam();
    expect((await t.post("/pomo/pause", undefined)).json.error.code).toBe("not_running");
    const zero = await call("/pomo/set?duration_minutes=0", { method: "POST", headers: { authorization: `Bearer ${t.token}` } });
    expect(zero.status).toBe(400);
    expect(JSON.stringify(await zero.json())).toContain("duration_minutes");
    const huge = await t.post("/pomo/start", { focus_minutes: 1e9 });
    expect(huge.status).toBe(400);
    expect(JSON.stringify(huge.json)).toContain("focus_minutes");
    const missing = await t.post("/pomo/set", {});
    expect(missing.status).toBe(400);
  });
});

describe("GET /agents and term fencing", () => {
  it("lists registered agents; a report from a lower term than the current one is refused", async () => {
    const t = await newTeam();
    const key = await agentKey(t);
    const master = await connect(t.token, "&client=agent");
    await master.sendSigned(key, { type: "agent.heartbeat", node_id: "node-a", role: "master", term: 5, master: "node-a", members: ["node-a", "node-b"], tcp: "127.0.0.1:7420" });
    await master.sendSigned(key, { type: "timer.report", node_id: "node-a", term: 5, timer: focusReport });
    await master.until((all) => all.some((m) => m.type === "timer.state"), "the master's state");

    const stale = await connect(t.token, "&client=agent");
    await stale.sendSigned(key, { type: "agent.heartbeat", node_id: "node-old", role: "master", term: 3, master: "node-old", members: [], tcp: null });
    await stale.sendSigned(key, { type: "timer.report", node_id: "node-old", term: 3, timer: { phase: "short_break", paused: false, round: 1, remaining_ms: 1000, duration_ms: 300_000, settings } });
    await stale.until((all) => all.some((m) => m.type === "report.refused"), "report.refused");

    const state = TeamTimer.parse((await t.get("/pomo/state")).json);
    expect(state).toMatchObject({ phase: "focus", master: "node-a", term: 5 });
    expect(state.remaining_ms).toBeGreaterThan(590_000);

    const agents = (await t.get("/agents")).json;
    expect(agents.master).toBe("node-a");
    expect(agents.agents.map((a: { node_id: string }) => a.node_id).sort()).toEqual(["node-a", "node-old"]);
    master.ws.close();
    stale.ws.close();
  });
});

describe("agents prove the team key to the hub", () => {
  it("an agent socket without the key is not an agent: its heartbeat and report are refused, counted, and change nothing", async () => {
    const t = await newTeam();
    const key = await agentKey(t);
    const before = TeamTimer.parse((await t.get("/pomo/state")).json);
    const bogus = await connect(t.token, "&client=agent");
    bogus.ws.send(JSON.stringify({ ...heartbeat("bogus", 2 ** 40), at: Date.now(), mac: "" }));
    await bogus.sendSigned("a-wrong-key-that-is-long-enough-123", { type: "timer.report", node_id: "bogus", term: 2 ** 40, timer: focusReport });
    bogus.ws.send(JSON.stringify(heartbeat("bogus", 7))); // no proof at all
    await bogus.until((all) => all.filter((m) => m.type === "error").length >= 3, "three errors");
    const errors = bogus.messages.filter((m) => m.type === "error") as Array<{ code: string; message: string }>;
    expect(errors.map((e) => e.code)).toEqual(["not_proven", "not_proven", "invalid_message"]);
    expect(errors[0]!.message).toContain("/team/agent-key");

    const agents = (await t.get("/agents")).json;
    expect(agents).toMatchObject({ agents: [], master: null, refused_messages: 2 });
    expect(TeamTimer.parse((await t.get("/pomo/state")).json)).toMatchObject({ phase: before.phase, master: null, term: 0 });
    // Commands are not forwarded to it: the worker keeps the timer itself.
    expect((await t.post("/pomo/start", undefined)).json).toMatchObject({ phase: "focus", master: null });
    expect(bogus.messages.some((m) => m.type === "command")).toBe(false);

    // The same socket with the key is an agent.
    await bogus.sendSigned(key, heartbeat("node-a", 1));
    await waitForAgents(t, (list) => list.agents.length === 1);
    bogus.ws.close();
  });

  it("a signed message replayed onto another socket, or signed long ago, is refused", async () => {
    const t = await newTeam();
    const key = await agentKey(t);
    const real = await connect(t.token, "&client=agent");
    const captured = await real.sendSigned(key, heartbeat("node-a", 3));
    await waitForAgents(t, (list) => list.master === "node-a");

    const thief = await connect(t.token, "&client=agent");
    thief.ws.send(JSON.stringify(captured));
    thief.ws.send(JSON.stringify({ ...captured, node_id: "thief", mac: captured.mac }));
    await thief.sendSigned(key, heartbeat("late", 9), { at: Date.now() - 120_000 });
    await thief.until((all) => all.filter((m) => m.type === "error").length >= 3, "three errors");
    expect(thief.messages.filter((m) => m.type === "error").map((m) => (m as { code: string }).code)).toEqual(["not_proven", "not_proven", "stale_message"]);
    const list = (await t.get("/agents")).json;
    expect(list.agents.map((a: { node_id: string }) => a.node_id)).toEqual(["node-a"]);
    real.ws.close();
    thief.ws.close();
  });

  it("a signed message sent again on its own socket, or one signed before the last taken, is refused with not_proven; the socket goes on", async () => {
    const t = await newTeam();
    const key = await agentKey(t);
    const agent = await connect(t.token, "&client=agent");
    const first = await agent.sendSigned(key, heartbeat("node-a", 1, "peer"));
    await waitForAgents(t, (list) => list.agents.length === 1);
    agent.ws.send(JSON.stringify(first)); // the same frame again
    await agent.sendSigned(key, heartbeat("node-a", 1, "peer"), { at: first.at - 1000 }); // older than the last taken
    await agent.until((all) => all.filter((m) => m.type === "error").length >= 2, "two refusals");
    const errors = agent.messages.filter((m) => m.type === "error") as Array<{ code: string; message: string }>;
    expect(errors.map((e) => e.code)).toEqual(["not_proven", "not_proven"]);
    expect(errors[0]!.message).toContain("taken once");
    expect((await t.get("/agents")).json.refused_messages).toBe(2);
    // Still served: a fresh message is taken, a bad one answered.
    await agent.sendSigned(key, heartbeat("node-a", 2));
    await waitForAgents(t, (list) => list.master === "node-a");
    agent.ws.send("not json");
    await agent.until((all) => all.some((m) => m.type === "error" && m.code === "invalid_json"), "an answer after the refusals");
    agent.ws.close();
  });

  it("after PUT /team/agent-key the hub checks the new key", async () => {
    const t = await newTeam();
    const old = await agentKey(t);
    const socket = await connect(t.token, "&client=agent");
    await socket.sendSigned(old, heartbeat("node-a", 1));
    await waitForAgents(t, (list) => list.agents.length === 1);
    expect((await t.put("/team/agent-key", { team_key: "the-teams-own-key-0123456789" })).status).toBe(200);
    await socket.sendSigned(old, heartbeat("node-a", 2));
    await socket.until((all) => all.some((m) => m.type === "error" && m.code === "not_proven"), "the old key refused");
    await socket.sendSigned("the-teams-own-key-0123456789", { type: "timer.report", node_id: "node-a", term: 2, timer: focusReport });
    await socket.until((all) => all.some((m) => m.type === "timer.state"), "the report under the new key");
    socket.ws.close();
  });
});

describe("terms the hub takes are bounded, and a claim ends with its claimer", () => {
  it("a term above 2^40 is refused; a jump far above the live master's term is refused", async () => {
    const t = await newTeam();
    const key = await agentKey(t);
    const master = await connect(t.token, "&client=agent");
    await master.sendSigned(key, heartbeat("node-a", 2 ** 40 + 1));
    await master.until((all) => all.some((m) => m.type === "error" && m.code === "invalid_message" && m.message.startsWith("term")), "term out of range");
    await master.reportAsMaster(key, "node-a", 5);
    await master.until((all) => all.some((m) => m.type === "timer.state"), "the master's state");

    const jumper = await connect(t.token, "&client=agent");
    await jumper.reportAsMaster(key, "node-j", 5 + 10_001, { ...focusReport, remaining_ms: 1000 });
    await jumper.until((all) => all.some((m) => m.type === "report.refused" && m.code === "term_jump"), "term_jump");
    expect(TeamTimer.parse((await t.get("/pomo/state")).json)).toMatchObject({ master: "node-a", term: 5 });
    master.ws.close();
    jumper.ws.close();
  });

  it("a master that claimed a huge term and left does not lock the real master out", async () => {
    const t = await newTeam();
    const key = await agentKey(t);
    const claimer = await connect(t.token, "&client=agent");
    await claimer.reportAsMaster(key, "claimer", 2 ** 40, { ...focusReport, remaining_ms: 5000 });
    await claimer.until((all) => all.some((m) => m.type === "timer.state"), "the claimer's state");

    const real = await connect(t.token, "&client=agent");
    await real.reportAsMaster(key, "real", 3);
    await real.until((all) => all.some((m) => m.type === "report.refused" && m.code === "stale_term"), "refused while the claimer is here");

    claimer.ws.close();
    await waitForAgents(t, (list) => list.master === "real" && list.agents.some((a) => a.node_id === "claimer" && !a.connected));
    expect(real.messages.some((m) => m.type === "report.wanted")).toBe(false);
    await real.sendSigned(key, heartbeat("real", 3));
    await real.until((all) => all.some((m) => m.type === "report.wanted"), "the hub asks the real master for its report");
    await real.sendSigned(key, { type: "timer.report", node_id: "real", term: 3, timer: focusReport });
    await real.until((all) => all.some((m) => m.type === "timer.state" && m.timer.master === "real"), "the real master's state");
    expect(TeamTimer.parse((await t.get("/pomo/state")).json)).toMatchObject({ master: "real", term: 3 });
    real.ws.close();
  });
});

describe("a master that goes silent", () => {
  it("loses its claim after its lease (10 s) although still connected: /agents stops naming it and the real master is asked to report", async () => {
    const t = await newTeam();
    const key = await agentKey(t);
    const claimer = await connect(t.token, "&client=agent");
    await claimer.reportAsMaster(key, "claimer", 2 ** 40);
    await claimer.until((all) => all.some((m) => m.type === "timer.state"), "the claimer's state");
    const real = await connect(t.token, "&client=agent");
    await real.sendSigned(key, heartbeat("real", 2));
    await waitForAgents(t, (list) => list.agents.length === 2 && list.master === "claimer");
    expect(real.messages.some((m) => m.type === "report.wanted")).toBe(false);

    // The claimer keeps its socket open but sends nothing more; the real master heartbeats on.
    const silentSince = Date.now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await real.sendSigned(key, heartbeat("real", 2));
      if (real.messages.some((m) => m.type === "report.wanted")) break;
      if (Date.now() - silentSince > 13_000) throw new Error("the hub never asked the real master to report");
    }
    expect(Date.now() - silentSince).toBeGreaterThan(9_000);
    expect((await t.get("/agents")).json.master).toBe("real");
    await real.sendSigned(key, { type: "timer.report", node_id: "real", term: 2, timer: focusReport });
    await real.until((all) => all.some((m) => m.type === "timer.state" && m.timer.master === "real"), "the real master's state");
    claimer.ws.close();
    real.ws.close();
  }, 20_000);
});

type AgentList = { agents: Array<{ node_id: string; connected: boolean }>; master: string | null; refused_messages: number };

async function waitForAgents(t: Awaited<ReturnType<typeof newTeam>>, test: (list: AgentList) => boolean, ms = 5000): Promise<AgentList> {
  const deadline = Date.now() + ms;
  for (;;) {
    const list = (await t.get("/agents")).json as AgentList;
    if (test(list)) return list;
    if (Date.now() > deadline) throw new Error(`timed out; /agents: ${JSON.stringify(list)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
