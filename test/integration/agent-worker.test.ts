import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { TeamTimer } from "../../shared/live.ts";
import { AgentCluster, waitUntil, type Agent } from "../helpers/agents.ts";
import { stopAll } from "../helpers/processes.ts";
import { startWorkerStack } from "../helpers/stack.ts";
import { createTeamToken } from "../helpers/teams.ts";
import { jsonApi } from "../helpers/http.ts";

/**
 * Real agents linked to the real worker (wrangler dev, a gateway, redis-server): they register,
 * the master reports the timer with its term, REST commands reach the master, `join` with no
 * address finds the session through the worker, and failover moves the team timer to the new master.
 * The master runs without GROUPSYNC_TEAM_KEY: it gets the team's key from the worker (the others
 * are given the same key), and every agent proves it to the hub.
 */
const ADMIN_SECRET = "agent-worker-admin-secret-0123456789";
let worker: RunningWorker;
let token: string;
let cluster: AgentCluster;
let agents: Agent[] = [];
let ids: string[] = [];

const api = jsonApi(() => worker.url, () => token);

const linkEnv = () => ({ GROUPSYNC_URL: worker.url, GROUPSYNC_TOKEN: token });

beforeAll(async () => {
  ({ worker } = await startWorkerStack({ vars: { ADMIN_SECRET } }));
  token = await createTeamToken(worker.url, ADMIN_SECRET, "agents", ["ana"]);
  const key = await api("GET", "/team/agent-key");
  cluster = new AgentCluster(key.json.team_key);
  const master = await cluster.start("a", ["--json", "--focus", "25m"], { env: { ...linkEnv(), GROUPSYNC_TEAM_KEY: "" } });
  const viaAddress = await cluster.join("b", master, ["--json"], { env: linkEnv() });
  const viaWorker = await cluster.spawn("c", ["join", "--json"], { env: linkEnv() });
  agents = [master, viaAddress, viaWorker];
});

afterAll(async () => {
  await cluster?.stopAll();
  await stopAll();
});

async function nodeIdOf(agent: Agent): Promise<string> {
  return (await cluster.status(agent)).node_id;
}

describe("agents and the worker", () => {
  it("register, and a join with no address finds the session through the worker", async () => {
    ids = await Promise.all(agents.map(nodeIdOf));
    const listed = await waitUntil(
      async () => {
        const res = await api("GET", "/agents");
        const connected = (res.json.agents as Array<{ node_id: string; connected: boolean }>).filter((a) => a.connected).map((a) => a.node_id);
        return ids.every((id) => connected.includes(id)) && res.json.master === ids[0] ? res.json : null;
      },
      15_000,
      "all three agents registered with a as master",
      100,
    );
    expect(listed.term).toBeGreaterThan(0);
    expect(listed.refused_messages).toBe(0);
    const joined = await cluster.status(agents[2]!);
    expect(joined.master).toBe(ids[0]);
    expect(joined.members).toHaveLength(3);
  });

  it("with no team key, start names what failed getting the worker's: a refused token, an unreachable worker", async () => {
    const refused = await cluster.cli(["start"], { GROUPSYNC_TEAM_KEY: "", GROUPSYNC_URL: worker.url, GROUPSYNC_TOKEN: "gs_not-a-member" });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^groupsync-agent: no team key: GROUPSYNC_TEAM_KEY is not set and the worker at \S+ refused the token \(HTTP 401/m);
    expect(refused.stderr).toContain("GROUPSYNC_TOKEN");
    const unreachable = await cluster.cli(["start"], { GROUPSYNC_TEAM_KEY: "", GROUPSYNC_URL: "http://127.0.0.1:9", GROUPSYNC_TOKEN: token });
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr).toMatch(/^groupsync-agent: no team key: GROUPSYNC_TEAM_KEY is not set and the GroupSync worker at http:\/\/127.0.0.1:9 cannot be reached/m);
  });

  it("the master's timer is the team timer", async () => {
    const [local, state] = [await cluster.status(agents[0]!), TeamTimer.parse((await api("GET", "/pomo/state")).json)];
    expect(state.phase).toBe("focus");
    expect(state.master).toBe(local.node_id);
    expect(Math.abs(state.remaining_ms - local.remaining_ms)).toBeLessThan(300);
  });

  it("a REST command reaches the master: every agent shows the new phase within 100 ms of the answer", async () => {
    const since = Date.now();
    const res = await api("POST", "/pomo/skip");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ phase: "short_break", round: 1 });
    const seen = await Promise.all(agents.map((agent) => cluster.waitForLine(agent, (e) => e.event === "phase" && e.phase === "short_break", 5000, "short_break", since)));
    for (const line of seen) expect(line.at - res.at).toBeLessThan(100);

    const set = await fetch(`${worker.url}/pomo/set?duration_minutes=2`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    const timer = TeamTimer.parse(await set.json());
    expect(timer.remaining_ms).toBeGreaterThan(115_000);
    const statuses = await cluster.statuses(agents);
    for (const status of statuses) expect(Math.abs(status.remaining_ms - timer.remaining_ms)).toBeLessThan(500);
  });

  it("a refused command answers 409 with the master's reason", async () => {
    await api("POST", "/pomo/pause");
    const again = await api("POST", "/pomo/pause");
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBeTruthy();
    expect((await api("POST", "/pomo/resume")).status).toBe(200);
  });

  it("a browser's socket sees the timer change when the master is SIGKILLed and another takes over", async () => {
    const before = TeamTimer.parse((await api("GET", "/pomo/state")).json);
    const socket = new WebSocket(`${worker.url.replace("http", "ws")}/ws?token=${token}`);
    const states: TeamTimer[] = [];
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.type === "timer.state") states.push(TeamTimer.parse(message.timer));
    });
    await new Promise((resolve) => socket.once("open", resolve));
    const [oldMaster, ...survivors] = ids;
    cluster.signal(agents[0]!, "SIGKILL");
    const after = await waitUntil(() => states.find((s) => s.master !== null && s.master !== oldMaster && s.term > before.term), 10_000, "a timer.state from the new master");
    expect(survivors).toContain(after.master);
    expect(after.phase).toBe(before.phase);
    // Continuous: the deadline stays where it was (both in the worker's clock).
    expect(Math.abs(after.ends_at! - before.ends_at!)).toBeLessThan(300);
    const agentsNow = await api("GET", "/agents");
    expect(agentsNow.json.master).toBe(after.master);
    socket.close();
  });
});
