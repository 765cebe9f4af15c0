import { describe, expect, it } from "vitest";
import { FocusSessionList, type FocusRound } from "../../shared/focus.ts";
import { waitUntil, type Agent } from "../helpers/agents.ts";
import { useLinkedAgents } from "../helpers/linked-agents.ts";

/**
 * Focus history with real agents (real processes, wrangler dev, gateway, redis-server) over a run
 * with faults: the master SIGKILLed right after a round ends (before or after its report lands),
 * twice, and the worker SIGKILLed and restarted while rounds go on. Every round is recorded exactly
 * once, counted against the timer's own transitions as an agent that lived through the run saw them.
 */
const linked = useLinkedAgents("focus");
const { api, linkEnv } = linked;

/** Focus rounds that ended as `agent` saw its timer change: each step from focus to anything else. */
function focusExits(agent: Agent): number {
  let exits = 0;
  let last: unknown = null;
  for (const { event } of agent.lines) {
    if (event.event !== "phase") continue;
    if (last === "focus" && event.phase !== "focus") exits++;
    last = event.phase;
  }
  return exits;
}

async function allSessions(): Promise<FocusRound[]> {
  const rounds: FocusRound[] = [];
  let cursor: string | null = null;
  do {
    const res = await api("GET", `/focus/sessions?limit=7${cursor === null ? "" : `&cursor=${cursor}`}`);
    expect(res.status).toBe(200);
    const page = FocusSessionList.parse(res.json);
    rounds.push(...page.sessions);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return rounds;
}

async function masterId(): Promise<string> {
  return waitUntil(async () => (await api("GET", "/agents").catch(() => null))?.json?.master ?? null, 20_000, "a master in /agents", 100);
}

describe("focus history with real agents", () => {
  it("records every round exactly once across master SIGKILLs and a worker restart", async () => {
    const a = await linked.cluster.start("a", ["--json", "--focus", "25m"], { env: linkEnv() });
    const b = await linked.cluster.join("b", a, ["--json"], { env: linkEnv() });
    const c = await linked.cluster.join("c", a, ["--json"], { env: linkEnv() });
    const byId = new Map<string, Agent>();
    for (const agent of [a, b, c]) byId.set((await linked.cluster.status(agent)).node_id, agent);
    // With everyone in, a stop (round 0 of the first session, cut) and a session of short rounds.
    await masterId();
    expect((await api("POST", "/pomo/stop")).status).toBe(200);
    expect((await api("POST", "/pomo/start", { focus_minutes: 2 / 60, short_break_minutes: 1 / 60, long_break_minutes: 1 / 60 })).status).toBe(200);
    const waitForRoundEnd = (witness: Agent) =>
      linked.cluster.waitForLine(witness, (e) => e.event === "phase" && e.phase !== "focus" && e.phase !== "idle", 10_000, "a focus round to end", Date.now());

    // The master dies the moment a round ends: its report of the break may or may not have landed.
    const first = byId.get(await masterId())!;
    const others = [a, b, c].filter((agent) => agent !== first);
    await waitForRoundEnd(others[0]!);
    linked.cluster.signal(first, "SIGKILL");
    const firstId = [...byId].find(([, agent]) => agent === first)![0];
    await waitUntil(async () => ((await masterId()) !== firstId ? true : null), 20_000, "a new master", 100);
    const d = await linked.cluster.join("d", others[0]!, ["--json"], { env: linkEnv() });
    byId.set((await linked.cluster.status(d)).node_id, d);

    // The worker dies with the hub in it; a round ends meanwhile; it comes back on the same state.
    linked.worker.process.signal("SIGKILL");
    await linked.worker.process.exited;
    await waitForRoundEnd(others[0]!);
    linked.worker = await linked.stack.startWorker();

    // The second master dies the moment a round ends.
    const second = byId.get(await masterId())!;
    const witness = others.find((agent) => agent !== second)!; // lives through the whole run
    await waitForRoundEnd(witness);
    linked.cluster.signal(second, "SIGKILL");
    const secondId = [...byId].find(([, agent]) => agent === second)![0];
    await waitUntil(async () => ((await masterId()) !== secondId ? true : null), 20_000, "a third master", 100);
    // Rounds under the third master too, and six in all.
    await waitForRoundEnd(witness);
    await waitUntil(async () => (focusExits(witness) >= 6 ? true : null), 20_000, "six focus rounds ended", 100);

    // Freeze the timer (a pause ends no round), let the last reports land, then count.
    expect((await api("POST", "/pomo/pause")).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const exits = focusExits(witness);
    const rounds = await waitUntil(async () => {
      const listed = await allSessions();
      return listed.length >= exits ? listed : null;
    }, 10_000, `${exits} rounds in /focus/sessions`, 200);
    expect(exits).toBeGreaterThanOrEqual(6);
    expect(rounds, JSON.stringify(rounds)).toHaveLength(exits);
    expect(new Set(rounds.map((r) => r.id)).size).toBe(rounds.length);
    // The first session's round cut by the stop, then the second's rounds 0, 1, 2, … each once, all completed in full.
    const [cut, ...session] = rounds;
    expect(cut).toMatchObject({ round: 0, ended: "stopped", planned_ms: 25 * 60_000 });
    expect(session.map((r) => r.round)).toEqual([...session.keys()]);
    expect(session.filter((r) => !(r.ended === "completed" && r.actual_ms === 2000)), JSON.stringify(rounds)).toEqual([]);
    expect(new Set(rounds.map((r) => r.recorded_by)).size).toBeGreaterThanOrEqual(2);
    expect(rounds.at(-1)!.members).toEqual(["ana"]);

    // `groupsync-agent stats` prints the week's figures from the same history.
    const printed = await linked.cluster.cli(["stats"], linkEnv());
    expect(printed.code, printed.stderr).toBe(0);
    const completed = rounds.filter((r) => r.ended === "completed").length;
    expect(printed.stdout).toContain(`${rounds.length} rounds, ${completed} completed`);
    expect(printed.stdout).toMatch(/^By member:\n  ana  /m);
  });
});
