import { afterAll, describe, expect, it } from "vitest";
import type { AgentStatus } from "../../agent/status-report.ts";
import { AgentCluster, shiftedClockEnv, waitUntil, type Agent } from "../helpers/agents.ts";

/**
 * Three real agents whose wall clocks disagree by seconds (libfaketime, see shiftedClockEnv): the
 * master on the true clock, one peer 7 s ahead, one 5 s behind. Each must show the same time left,
 * with its deadline (ends_at) in its own clock, so shifted from the master's by its skew; and so again
 * after the master is SIGKILLed and one of the skewed peers takes over. The steps build on each other.
 */

const SKEW_MS: Record<string, number> = { m: 0, ahead: 7000, behind: -5000 };
/** Deadlines on one machine agree to a few ms; this is the bound the issue sets. */
const TOLERANCE_MS = 50;
/** remaining_ms is read by concurrent requests, so a sample can be skewed by scheduling; the median is not. */
const SAMPLES = 5;

const cluster = new AgentCluster();
let killedMasterDeadline = 0;

afterAll(() => cluster.stopAll());

function skewOf(status: AgentStatus): number {
  const skew = SKEW_MS[status.node_id];
  if (skew === undefined) throw new Error(`no skew known for ${status.node_id}`);
  return skew;
}

function endsAt(status: AgentStatus): number {
  if (status.ends_at === null) throw new Error(`${status.node_id} has no running timer`);
  return status.ends_at;
}

/** The deadline on the true clock: ends_at is on the agent's own, which reads true time + its skew. */
function trueDeadline(status: AgentStatus): number {
  return endsAt(status) - skewOf(status);
}

function spread(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One master named by every status, in one term, with every member listed and a running timer. */
function converged(statuses: readonly AgentStatus[], excluded: string | null): string | null {
  const masters = statuses.filter((status) => status.role === "master");
  if (masters.length !== 1 || masters[0]!.node_id === excluded) return null;
  const { node_id: master, term } = masters[0]!;
  const agreed = statuses.every(
    (status) =>
      status.master === master &&
      status.term === term &&
      status.ends_at !== null &&
      (status.role === "master" || status.offset_to_master_ms !== null),
  );
  return agreed ? master : null;
}

/** Waits for one master other than `excluded`, then for a few heartbeats so clock offsets have round-trip samples. */
async function settle(agents: readonly Agent[], excluded: string | null): Promise<string> {
  const master = await waitUntil(async () => converged(await cluster.statuses(agents), excluded), 10_000, `one master among ${agents.map((a) => a.name)}`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return master;
}

/** Checks the timer view of `agents` SAMPLES times; returns the last statuses. */
async function expectOneTimer(agents: readonly Agent[], master: string): Promise<AgentStatus[]> {
  const remainingSpreads: number[] = [];
  let statuses: AgentStatus[] = [];
  for (let sample = 0; sample < SAMPLES; sample += 1) {
    statuses = await cluster.statuses(agents);
    const masterStatus = statuses.find((status) => status.node_id === master)!;
    expect(converged(statuses, null), JSON.stringify(statuses)).toBe(master);
    for (const status of statuses) {
      // A deadline does not move with the moment it is read, so this holds for every sample.
      const expectedEndsAt = endsAt(masterStatus) + skewOf(status) - skewOf(masterStatus);
      expect(Math.abs(endsAt(status) - expectedEndsAt), `${status.node_id}: ends_at ${status.ends_at}, expected ${expectedEndsAt}`).toBeLessThan(TOLERANCE_MS);
      const expectedOffset = skewOf(masterStatus) - skewOf(status);
      expect(Math.abs(status.offset_to_master_ms! - expectedOffset), `${status.node_id}: offset to master`).toBeLessThan(TOLERANCE_MS);
    }
    remainingSpreads.push(spread(statuses.map((status) => status.remaining_ms)));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(median(remainingSpreads), `remaining_ms spreads: ${remainingSpreads.join(", ")}`).toBeLessThan(TOLERANCE_MS);
  // The master's UDP ticks carry its send time: judged against each peer's offset to it, none is stale.
  for (const status of statuses.filter((status) => status.node_id !== master)) {
    expect(status.last_tick?.from, `${status.node_id}: last tick`).toBe(master);
    expect(status.drops.stale, `${status.node_id}: stale drops`).toBe(0);
  }
  return statuses;
}

function byName(name: string): Agent {
  const agent = cluster.agents.find((candidate) => candidate.name === name);
  if (agent === undefined) throw new Error(`no agent ${name}`);
  return agent;
}

describe("groupsync-agent with clocks seconds apart (libfaketime), real processes", () => {
  it("each agent's clock really is shifted", async () => {
    const m = await cluster.start("m", ["--focus", "25m", "--short", "5m"]);
    await Promise.all([
      cluster.join("ahead", m, [], { env: shiftedClockEnv(SKEW_MS.ahead!) }),
      cluster.join("behind", m, [], { env: shiftedClockEnv(SKEW_MS.behind!) }),
    ]);
    for (const agent of cluster.agents) {
      const before = Date.now();
      const status = await cluster.status(agent);
      const after = Date.now();
      const trueNow = status.now - skewOf(status);
      expect(trueNow, `${agent.name}: now ${status.now}`).toBeGreaterThanOrEqual(before - 5);
      expect(trueNow, `${agent.name}: now ${status.now}`).toBeLessThanOrEqual(after + 5);
    }
  });

  it("every agent shows the same time left; each ends_at is the master's shifted by its own skew", async () => {
    const agents = cluster.agents;
    const master = await settle(agents, null);
    expect(master).toBe("m");
    const statuses = await expectOneTimer(agents, master);
    killedMasterDeadline = endsAt(statuses.find((status) => status.node_id === "m")!);
    // The CLI puts a remote agent's deadline on the caller's clock: here the test's, which is the master's.
    const cli = await cluster.cli(["status", "--json", "--peer", `127.0.0.1:${byName("ahead").tcpPort}`]);
    expect(cli.code, cli.stderr).toBe(0);
    const shown = JSON.parse(cli.stdout) as AgentStatus;
    expect(Math.abs(endsAt(shown) - killedMasterDeadline), `status --json of ahead: ${cli.stdout}`).toBeLessThan(TOLERANCE_MS);
  });

  it("after SIGKILL of the master a skewed peer takes over, and time left and deadlines stay right", async () => {
    const killedAt = Date.now();
    cluster.signal(byName("m"), "SIGKILL");
    await byName("m").exit;
    const survivors = [byName("ahead"), byName("behind")];
    const master = await settle(survivors, "m");
    expect(["ahead", "behind"]).toContain(master);
    const statuses = await expectOneTimer(survivors, master);
    for (const status of statuses) {
      const jump = trueDeadline(status) - killedMasterDeadline;
      expect(Math.abs(jump), `${status.node_id}: deadline moved ${jump} ms across failover`).toBeLessThan(TOLERANCE_MS);
    }
    // Each clock still carries its own skew: the two deadlines are 12 s apart.
    const [ahead, behind] = statuses;
    expect(Math.abs(endsAt(ahead!) - endsAt(behind!) - (SKEW_MS.ahead! - SKEW_MS.behind!))).toBeLessThan(TOLERANCE_MS);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
  });
});
