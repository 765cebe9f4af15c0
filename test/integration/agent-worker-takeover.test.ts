import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { signAgentMessage } from "../../shared/agent-proof.ts";
import { HubNotice, TeamTimer } from "../../shared/live.ts";
import { AgentCluster, waitUntil, type Agent } from "../helpers/agents.ts";
import { jsonApi } from "../helpers/http.ts";
import { stopAll } from "../helpers/processes.ts";
import { startWorkerStack } from "../helpers/stack.ts";
import { createTeamToken } from "../helpers/teams.ts";

/**
 * A team member tries to take over the worker's view of the timer (issue #13): a WebSocket with
 * client=agent and a member token, but not the team key, claims master at a huge term; then it
 * replays a signed heartbeat captured from another socket. A real agent master (a real process,
 * real worker, gateway and redis-server) keeps control throughout; and once a key holder that
 * claimed a huge term leaves, the real master takes the timer back by itself.
 */
const ADMIN_SECRET = "takeover-admin-secret-0123456789";
let worker: RunningWorker;
let token: string;
let teamKey: string;
let cluster: AgentCluster;
let real: Agent;

const api = jsonApi(() => worker.url, () => token);
const settings = { focus_ms: 1500_000, short_break_ms: 300_000, long_break_ms: 900_000, long_break_every: 4 };
const bogusTimer = { phase: "long_break", paused: false, round: 3, remaining_ms: 60_000, duration_ms: 900_000, settings };

/** A raw member socket to /ws as client=agent, collecting the hub's notices. */
async function rawAgentSocket(): Promise<{ ws: WebSocket; nonce: string; notices: HubNotice[] }> {
  const ws = new WebSocket(`${worker.url.replace("http", "ws")}/ws?client=agent`, { headers: { authorization: `Bearer ${token}` } });
  const notices: HubNotice[] = [];
  ws.on("message", (data) => {
    const parsed = HubNotice.safeParse(JSON.parse(String(data)));
    if (parsed.success) notices.push(parsed.data);
  });
  const hello = await waitUntil(() => notices.find((n) => n.type === "hello"), 5000, "hello");
  return { ws, nonce: hello.nonce, notices };
}

const errorCodes = (notices: HubNotice[]) => notices.flatMap((n) => (n.type === "error" ? [n.code] : []));

async function realIsMaster(): Promise<void> {
  await waitUntil(
    async () => {
      const [agents, state] = [(await api("GET", "/agents")).json, TeamTimer.parse((await api("GET", "/pomo/state")).json)];
      return agents.master === "real" && state.master === "real" ? true : null;
    },
    10_000,
    "the real agent as master in /agents and /pomo/state",
    100,
  );
}

beforeAll(async () => {
  ({ worker } = await startWorkerStack({ vars: { ADMIN_SECRET } }));
  token = await createTeamToken(worker.url, ADMIN_SECRET, "takeover", ["ana"]);
  teamKey = (await api("GET", "/team/agent-key")).json.team_key;
  cluster = new AgentCluster(teamKey);
  real = await cluster.start("real", ["--focus", "25m"], { env: { GROUPSYNC_URL: worker.url, GROUPSYNC_TOKEN: token } });
  await realIsMaster();
});

afterAll(async () => {
  await cluster?.stopAll();
  await stopAll();
});

describe("the worker's view of the timer cannot be taken over without the team key", () => {
  it("a member socket claiming master at a huge term without the key changes nothing; a replayed signed heartbeat is refused", async () => {
    const before = TeamTimer.parse((await api("GET", "/pomo/state")).json);
    const refusedBefore = (await api("GET", "/agents")).json.refused_messages as number;

    const attacker = await rawAgentSocket();
    const claim = { type: "agent.heartbeat", node_id: "evil", role: "master", term: 2 ** 40, master: "evil", members: ["evil"], tcp: "127.0.0.1:1" };
    attacker.ws.send(JSON.stringify({ ...claim, at: Date.now(), mac: "A".repeat(43) }));
    attacker.ws.send(JSON.stringify({ type: "timer.report", node_id: "evil", term: 2 ** 40, timer: bogusTimer, at: Date.now(), mac: "" }));
    // A heartbeat signed under the key for another socket (as if captured there), replayed here.
    const other = await rawAgentSocket();
    const captured = await signAgentMessage(teamKey, other.nonce, { ...claim, at: Date.now() });
    attacker.ws.send(JSON.stringify(captured));
    await waitUntil(() => (errorCodes(attacker.notices).length >= 3 ? true : null), 5000, "three refusals");
    expect(errorCodes(attacker.notices)).toEqual(["not_proven", "not_proven", "not_proven"]);

    const state = TeamTimer.parse((await api("GET", "/pomo/state")).json);
    expect(state).toMatchObject({ master: "real", phase: before.phase, term: before.term, round: before.round });
    expect(Math.abs(state.ends_at! - before.ends_at!)).toBeLessThan(300);
    const agents = (await api("GET", "/agents")).json;
    expect(agents.master).toBe("real");
    expect(agents.agents.map((a: { node_id: string }) => a.node_id)).toEqual(["real"]);
    expect(agents.refused_messages - refusedBefore).toBe(3);

    // Members' commands still go to the real master, not to the socket that claimed the timer.
    const paused = await api("POST", "/pomo/pause");
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ paused: true, master: "real" });
    expect((await cluster.status(real)).paused).toBe(true);
    expect(attacker.notices.some((n) => n.type === "command")).toBe(false);

    attacker.ws.close();
    other.ws.close();
    expect((await api("POST", "/pomo/resume")).json).toMatchObject({ paused: false, master: "real" });
    await realIsMaster();
  });

  it("a key holder that claimed a higher term and left does not lock the real master out: it takes the timer back", async () => {
    const before = TeamTimer.parse((await api("GET", "/pomo/state")).json);
    const claimer = await rawAgentSocket();
    const term = before.term + 5000;
    const sign = (message: Record<string, unknown>) => signAgentMessage(teamKey, claimer.nonce, { ...message, at: Date.now() });
    claimer.ws.send(JSON.stringify(await sign({ type: "agent.heartbeat", node_id: "claimer", role: "master", term, master: "claimer", members: ["claimer"], tcp: null })));
    claimer.ws.send(JSON.stringify(await sign({ type: "timer.report", node_id: "claimer", term, timer: bogusTimer })));
    await waitUntil(async () => (TeamTimer.parse((await api("GET", "/pomo/state")).json).master === "claimer" ? true : null), 5000, "the claimer's report taken", 100);

    claimer.ws.close();
    await realIsMaster();
    const after = TeamTimer.parse((await api("GET", "/pomo/state")).json);
    const local = await cluster.status(real);
    expect(after).toMatchObject({ phase: local.phase, term: local.term });
    expect(Math.abs(after.remaining_ms - local.remaining_ms!)).toBeLessThan(500);
    expect((await api("POST", "/pomo/skip")).json).toMatchObject({ master: "real", phase: "short_break" });
  });
});
