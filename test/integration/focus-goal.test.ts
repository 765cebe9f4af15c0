import { describe, expect, it } from "vitest";
import { FocusSessionList, FocusStats, type FocusRound } from "../../shared/focus.ts";
import { waitUntil, type Agent } from "../helpers/agents.ts";
import { useLinkedAgents } from "../helpers/linked-agents.ts";

/**
 * `start --goal` with real agents (real processes, wrangler dev, gateway, redis-server): the goal
 * travels in the timer state from the master to its peers, so the rounds recorded after the
 * master is SIGKILLed, reported by its successor, carry it too.
 */
const linked = useLinkedAgents("focus-goal");
const { api, linkEnv } = linked;

async function rounds(): Promise<FocusRound[]> {
  const res = await api("GET", "/focus/sessions?limit=100");
  expect(res.status).toBe(200);
  return FocusSessionList.parse(res.json).sessions;
}

async function masterId(): Promise<string> {
  return waitUntil(async () => (await api("GET", "/agents").catch(() => null))?.json?.master ?? null, 20_000, "a master in /agents", 100);
}

describe("a session started with --goal", () => {
  it("refuses a goal the team does not have, with one line", async () => {
    const res = await linked.cluster.cli(["start", "--goal", "no-such-goal", "--port", "0", "--udp-port", "0", "--node-id", "x", "--host", "127.0.0.1"], linkEnv());
    expect(res.code, res.stdout).toBe(1);
    expect(res.stderr).toContain("your team has no goal 'no-such-goal'");
    const bad = await linked.cluster.cli(["start", "--goal", "a/b"], linkEnv());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--goal: 'a/b' is not a goal id");
  });

  it("records every round with the goal, across a master SIGKILL, and status shows it", async () => {
    const goal = (await api("POST", "/goals", { title: "ship the launch" })).json.id as string;
    const phases = ["--focus", "2s", "--short", "1s", "--long", "1s"];
    const a = await linked.cluster.start("a", ["--goal", goal, ...phases], { env: linkEnv() });
    const b = await linked.cluster.join("b", a, [], { env: linkEnv() });
    const c = await linked.cluster.join("c", a, [], { env: linkEnv() });
    const byId = new Map<string, Agent>([["a", a], ["b", b], ["c", c]]);
    // The peers hold the goal from the master's heartbeats.
    await waitUntil(async () => ((await linked.cluster.statuses([b, c])).every((s) => s.membership === "member" && s.goal === goal) ? true : null), 15_000, "the peers to hold the goal", 100);
    const text = await linked.cluster.cli(["status", "--peer", `127.0.0.1:${b.tcpPort}`], linkEnv());
    expect(text.stdout).toContain(`for goal ${goal}`);
    expect(((await api("GET", "/pomo/state")).json as { goal: string }).goal).toBe(goal);

    // A round is recorded as the master reported it (on a loaded machine a peer may have taken over by then), and that master dies.
    const firstId = await waitUntil(async () => {
      const id = await masterId();
      return (await rounds()).some((r) => r.recorded_by === id) ? id : null;
    }, 20_000, "a round recorded by the master", 200);
    const first = byId.get(firstId)!;
    const witness = [a, b, c].find((agent) => agent !== first)!;
    linked.cluster.signal(first, "SIGKILL");
    const secondId = await waitUntil(async () => {
      const id = await masterId();
      return id !== firstId ? id : null;
    }, 20_000, "a new master", 100);
    // Rounds go on under the new master, which reports them with the goal it took over.
    const before = (await rounds()).length;
    await waitUntil(async () => ((await rounds()).filter((r) => r.recorded_by === secondId).length >= 2 ? true : null), 20_000, "rounds reported by the new master", 200);
    expect((await linked.cluster.status(witness)).goal).toBe(goal);
    expect((await api("POST", "/pomo/pause")).status).toBe(200);

    const recorded = await rounds();
    expect(recorded.length).toBeGreaterThan(before);
    expect(recorded.filter((r) => r.goal !== goal), JSON.stringify(recorded)).toEqual([]);
    // (Between the kill and the new master's first report the worker may record a round by its deadline: with the goal too.)
    expect([...new Set(recorded.map((r) => r.recorded_by))]).toEqual(expect.arrayContaining([firstId, secondId]));
    const byGoal = FocusStats.parse((await api("GET", "/focus/stats?group_by=goal")).json);
    expect(byGoal.groups.map((g) => [g.key, g.rounds])).toEqual([[goal, recorded.length]]);
    const printed = await linked.cluster.cli(["stats"], linkEnv());
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain(`By goal:\n  ${goal}  ${recorded.length} rounds`);

    // POST /pomo/start (what the dashboard sends) goes to the master agent, goal and all.
    const next = (await api("POST", "/goals", { title: "write the docs" })).json.id as string;
    expect((await api("POST", "/pomo/stop")).status).toBe(200);
    const started = await api("POST", "/pomo/start", { goal: next });
    expect(started.status, JSON.stringify(started.json)).toBe(200);
    expect(started.json.goal).toBe(next);
    await waitUntil(async () => ((await linked.cluster.status(witness)).goal === next ? true : null), 10_000, "the members to hold the new goal", 100);
    expect((await api("POST", "/pomo/start", { goal: "no-such-goal" })).status).toBe(400);
  });
});
