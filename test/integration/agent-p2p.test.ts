import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sealEnvelope, teamKeyBytes } from "../../agent/net/envelope.ts";
import { udpBinding } from "../../agent/net/recipient-binding.ts";
import type { AgentStatus } from "../../agent/status-report.ts";
import { AgentCluster, waitUntil, type Agent } from "../helpers/agents.ts";
import { sendGreeted, sendTcp, sendUdp } from "../helpers/wire.ts";

/**
 * Five real groupsync-agent processes on this machine, each with its own TCP and UDP port: they
 * elect one master, keep one deadline, survive SIGKILL and SIGSTOP of the master and the loss of
 * two members, let a dead member back in, and shrug off garbage. The steps build on each other.
 */

const cluster = new AgentCluster();
const measurements: string[] = [];
/** Deadlines on one machine agree to a few ms; this is the bound the issue sets. */
const DEADLINE_TOLERANCE_MS = 50;

afterAll(async () => {
  if (measurements.length > 0) console.log(`agent-p2p measurements:\n  ${measurements.join("\n  ")}`);
  await cluster.stopAll();
});

function spread(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}

function deadlines(statuses: readonly AgentStatus[]): number[] {
  return statuses.map((status) => {
    if (status.ends_at === null) throw new Error(`${status.node_id} has no running timer`);
    return status.ends_at;
  });
}

/** One master among `statuses`, named by all of them in the same term; its id or null. */
function oneMaster(statuses: readonly AgentStatus[]): string | null {
  const masters = statuses.filter((status) => status.role === "master");
  if (masters.length !== 1) return null;
  const [master] = masters;
  return statuses.every((status) => status.master === master!.node_id && status.term === master!.term) ? master!.node_id : null;
}

/**
 * The master every agent names in its latest `master` line, if they all name the same one and it is
 * not `excluded`; `at` is when the last of those lines arrived.
 */
function agreedFromLines(agents: readonly Agent[], excluded: readonly string[]): { master: string; at: number } | null {
  let master: string | null = null;
  let at = 0;
  for (const agent of agents) {
    const line = cluster.last(agent, "master");
    const named = line?.event.master;
    if (line === undefined || typeof named !== "string" || excluded.includes(named)) return null;
    if (master !== null && named !== master) return null;
    master = named;
    at = Math.max(at, line.at);
  }
  return master === null ? null : { master, at };
}

function byName(name: string): Agent {
  const agent = cluster.running.find((candidate) => candidate.name === name);
  if (agent === undefined) throw new Error(`no running agent ${name}`);
  return agent;
}

/** Waits until the running agents agree on one master and one deadline; returns their statuses. */
async function settled(agents: readonly Agent[], members: number, timeoutMs = 10_000): Promise<AgentStatus[]> {
  return waitUntil(
    async () => {
      const statuses = await cluster.statuses(agents);
      const agreed =
        oneMaster(statuses) !== null &&
        statuses.every((status) => status.members.length === members && status.phase !== "idle" && status.ends_at !== null) &&
        spread(deadlines(statuses)) < DEADLINE_TOLERANCE_MS;
      return agreed && statuses;
    },
    timeoutMs,
    `${agents.map((agent) => agent.name).join(",")} to agree on one master, ${members} members and one deadline`,
  );
}

/** Kills `victims` (SIGKILL) and measures how long the others take to name one new master. */
async function killAndFailover(victims: readonly Agent[], label: string): Promise<{ master: string; survivors: Agent[]; failoverMs: number }> {
  const survivors = cluster.running.filter((agent) => !victims.includes(agent));
  const before = await cluster.statuses(survivors);
  const killedAt = Date.now();
  for (const victim of victims) cluster.signal(victim, "SIGKILL");
  const agreed = await waitUntil(
    () => agreedFromLines(survivors, victims.map((victim) => victim.name)),
    5000,
    `survivors of ${label} to name one new master\n${survivors.map((agent) => cluster.describe(agent)).join("\n")}`,
  );
  const failoverMs = agreed.at - killedAt;
  const after = await waitUntil(
    async () => {
      const statuses = await cluster.statuses(survivors);
      return oneMaster(statuses) === agreed.master && statuses;
    },
    5000,
    `survivors of ${label} to report master ${agreed.master}`,
  );
  const jumps = after.map((status, index) => Math.abs(status.ends_at! - before[index]!.ends_at!));
  measurements.push(`${label}: ${survivors.length} survivors named ${agreed.master} after ${failoverMs} ms; deadline moved at most ${Math.max(...jumps)} ms`);
  expect(new Set(after.map((status) => status.master))).toEqual(new Set([agreed.master]));
  expect(Math.max(...jumps)).toBeLessThan(DEADLINE_TOLERANCE_MS);
  return { master: agreed.master, survivors, failoverMs };
}

describe("groupsync-agent peer to peer, with real processes", () => {
  it("five agents join (directly and through peers) and agree on one master and one deadline", async () => {
    const a = await cluster.start("a", ["--focus", "25m", "--short", "5m"]);
    const [b, c] = await Promise.all([cluster.join("b", a), cluster.join("c", a)]);
    // d and e ask peers, which redirect them to the master.
    await Promise.all([cluster.join("d", b), cluster.join("e", c)]);
    const statuses = await settled(cluster.running, 5);
    expect(oneMaster(statuses)).toBe("a");
    expect(new Set(statuses.map((status) => status.phase))).toEqual(new Set(["focus"]));
    measurements.push(`5 agents: deadlines within ${spread(deadlines(statuses))} ms of each other`);
    // A status answer can overtake the agent's own stdout, so the lines are waited for.
    for (const agent of cluster.running) {
      await cluster.waitForLine(agent, (event) => event.event === "phase" && event.phase === "focus" && event.paused === false, 2000, "focus phase line");
      if (agent !== a) await cluster.waitForLine(agent, (event) => event.event === "joined" && event.master === "a", 2000, "joined line");
    }
    expect(cluster.last(a, "role")?.event).toEqual({ event: "role", role: "master", term: 1 });
  });

  it("pause from a peer pauses every agent's timer; resume and set from others apply everywhere", async () => {
    const agents = cluster.running;
    const paused = await cluster.cli(["pause", "--peer", `127.0.0.1:${byName("d").tcpPort}`, "--json"]);
    expect(paused).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(paused.stdout)).toMatchObject({ ok: true, command: "pause", outcome: "applied" });
    const whilePaused = await waitUntil(
      async () => {
        const statuses = await cluster.statuses(agents);
        return statuses.every((status) => status.paused && status.ends_at === null) && statuses;
      },
      3000,
      "every agent to be paused",
    );
    expect(new Set(whilePaused.map((status) => status.remaining_ms)).size).toBe(1);

    const again = await cluster.cli(["pause", "--peer", `127.0.0.1:${byName("b").tcpPort}`]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("groupsync-agent: pause refused: the timer is already paused (already_paused)\n");

    expect((await cluster.cli(["resume", "--peer", `127.0.0.1:${byName("e").tcpPort}`])).code).toBe(0);
    await settled(agents, 5, 3000);
    const set = await cluster.cli(["set", "20m", "--peer", `127.0.0.1:${byName("c").tcpPort}`]);
    expect(set.stdout).toMatch(/^set: applied by the master/);
    const after = await waitUntil(
      async () => {
        const statuses = await cluster.statuses(agents);
        return statuses.every((status) => !status.paused && Math.abs(status.remaining_ms - 20 * 60_000) < 2000) && statuses;
      },
      3000,
      "every agent to show 20 minutes left",
    );
    expect(spread(deadlines(after))).toBeLessThan(DEADLINE_TOLERANCE_MS);
  });

  it("status --json has every field; bad input is one clear line and exit code 2", async () => {
    const peer = `127.0.0.1:${byName("b").tcpPort}`;
    const [status, human, badDuration, badPeer, shortKey, noKey, badFocus, badPort, wrongKey, nobody] = await Promise.all([
      cluster.cli(["status", "--json", "--peer", peer]),
      cluster.cli(["status", "--peer", peer]),
      cluster.cli(["set", "soon", "--peer", peer]),
      cluster.cli(["status", "--peer", "nowhere"]),
      cluster.cli(["status", "--peer", peer], { GROUPSYNC_TEAM_KEY: "short" }),
      // No key set and none in the state directory (a fresh one): the CLI says where keys come from.
      cluster.cli(["pause", "--peer", peer], { GROUPSYNC_TEAM_KEY: "", GROUPSYNC_STATE_DIR: join(tmpdir(), `groupsync-no-key-${process.pid}`) }),
      cluster.cli(["start", "--focus", "0m"]),
      cluster.cli(["join", "127.0.0.1:7420", "--port", "99999"]),
      cluster.cli(["pause", "--peer", peer], { GROUPSYNC_TEAM_KEY: "not-the-team-key-0123" }),
      cluster.cli(["status", "--peer", "127.0.0.1:1"]),
    ]);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as AgentStatus;
    for (const field of ["node_id", "role", "term", "master", "members", "phase", "paused", "remaining_ms", "ends_at", "drops"]) {
      expect(parsed).toHaveProperty(field);
    }
    expect(parsed).toMatchObject({ node_id: "b", role: "peer", master: "a", phase: "focus", paused: false });
    expect(parsed.members.map((member) => member.id)).toEqual(["a", "b", "c", "d", "e"]);
    expect(Math.abs(parsed.ends_at! - Date.now() - parsed.remaining_ms)).toBeLessThan(1000);
    expect(human.stdout).toMatch(/^node {5}b at 127\.0\.0\.1:\d+\/\d+ \(peer, term 1, member\)\nmaster {3}a at /);

    const usage = [
      [badDuration, /^groupsync-agent: set: "soon" is not a duration; write it like 25m/],
      [badPeer, /^groupsync-agent: --peer: 'nowhere' is not host:port/],
      [shortKey, /^groupsync-agent: GROUPSYNC_TEAM_KEY is too short \(5 characters\)/],
      [noKey, /^groupsync-agent: no team key: none is set \(GROUPSYNC_TEAM_KEY or team_key in the config file\) and \S+groupsync-no-key-\d+\/team-key does not exist; run `groupsync-agent start`/],
      [badFocus, /^groupsync-agent: --focus must be more than 0 and at most 24h, got '0m'/],
      [badPort, /^groupsync-agent: --port must be a port number from 0 to 65535, got '99999'/],
    ] as const;
    for (const [result, message] of usage) {
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(result.stdout).toBe("");
    }
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^groupsync-agent: the agent at 127\.0\.0\.1:\d+ closed the connection: it could not verify our signature: GROUPSYNC_TEAM_KEY is not the same as the agent's/);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe("groupsync-agent: cannot reach the agent at 127.0.0.1:1: connection refused; is an agent running there?\n");
  });

  it("counts garbage, truncated, forged, unsigned, oversize and replayed packets on TCP and UDP, and keeps running", async () => {
    const agents = cluster.running;
    const before = await cluster.statuses(agents);
    const key = teamKeyBytes(cluster.teamKey);
    const tick = { kind: "tick", phase: "focus", paused: false, ends_at: Date.now(), remaining_ms: 1, sent_at: Date.now() };
    const boot = Date.now();
    const envelope = (seq: number, to: string) => ({ from: "intruder", to, boot, seq, nonce: `nonce-${seq}`, sent: Date.now(), lamport: 1, term: 0, body: tick });
    for (const [index, agent] of agents.entries()) {
      const onUdp = udpBinding(before[index]!.node_id, 0); // not the agent's run: UDP binding is checked in its own test
      const forged = JSON.stringify(sealEnvelope(teamKeyBytes("some-other-team-key-!!"), envelope(1, onUdp)));
      const { mac: _mac, ...unsigned } = sealEnvelope(key, envelope(1, onUdp));
      await Promise.all([
        sendTcp(agent.tcpPort, "this is not json\n"),
        sendTcp(agent.tcpPort, Buffer.from([0xff, 0x00, 0x13, 0x37, 0x0a])),
        sendTcp(agent.tcpPort, `{"v":2,"from":"intruder","seq":`),
        sendTcp(agent.tcpPort, `${forged}\n`),
        sendTcp(agent.tcpPort, `${JSON.stringify(unsigned)}\n`),
        sendTcp(agent.tcpPort, "A".repeat(70 * 1024)),
        // Genuine, bound to the connection's challenge, twice: the copy is a replay.
        sendGreeted(agent.tcpPort, (to) => {
          const genuine = JSON.stringify(sealEnvelope(key, envelope(1, to)));
          return [genuine, genuine];
        }),
        sendUdp(agent.udpPort, ["garbage", forged.slice(0, 40), forged, JSON.stringify(unsigned)]),
      ]);
    }
    const after = await waitUntil(
      async () => {
        const statuses = await cluster.statuses(agents);
        const counted = statuses.every((status, index) => {
          const was = before[index]!.drops;
          const now = status.drops;
          return (
            now.malformed - was.malformed >= 4 &&
            now.truncated - was.truncated >= 1 &&
            now.bad_mac - was.bad_mac >= 2 &&
            now.unsigned - was.unsigned >= 2 &&
            now.oversize - was.oversize >= 1 &&
            now.replay - was.replay >= 1 &&
            now.tcp - was.tcp >= 7 &&
            now.udp - was.udp >= 4
          );
        });
        return counted && statuses;
      },
      5000,
      "every agent to count the bad packets",
    );
    measurements.push(`bad packets: drop counters of ${after[0]!.node_id}: ${JSON.stringify(after[0]!.drops)}`);
    for (const agent of agents) expect(agent.exited, cluster.describe(agent)).toBe(false);
    expect(oneMaster(await settled(agents, 5, 3000))).toBe("a");
  });

  it("SIGKILL of the master: every survivor names the same new master within 1 s, and the deadline does not jump", async () => {
    const { master, survivors, failoverMs } = await killAndFailover([byName("a")], "SIGKILL master a");
    expect(failoverMs).toBeLessThan(1000);
    expect(survivors.map((agent) => agent.name)).toContain(master);
  });

  it("a killed agent restarts under its old name and rejoins through a peer", async () => {
    const statuses = await cluster.statuses(cluster.running);
    const peer = statuses.find((status) => status.role === "peer")!;
    const again = await cluster.join("a", byName(peer.node_id));
    await cluster.waitForLine(again, (event) => event.event === "joined", 5000, "rejoined");
    const rejoined = await settled(cluster.running, 5);
    const entry = rejoined[0]!.members.find((member) => member.id === "a");
    expect(entry?.address).toBe(`127.0.0.1:${again.tcpPort}/${again.udpPort}`);
  });

  it("SIGSTOP of the master for about 1 s: the others elect a new one, and after SIGCONT the old one steps down", async () => {
    const statuses = await cluster.statuses(cluster.running);
    const frozen = byName(oneMaster(statuses)!);
    const others = cluster.running.filter((agent) => agent !== frozen);
    const stoppedAt = Date.now();
    cluster.signal(frozen, "SIGSTOP");
    let resumedAt = 0;
    try {
      const agreed = await waitUntil(() => agreedFromLines(others, [frozen.name]), 5000, `the others to replace frozen ${frozen.name}`);
      measurements.push(`SIGSTOP master ${frozen.name}: the other 4 named ${agreed.master} after ${agreed.at - stoppedAt} ms`);
      // The scenario itself is a ~1 s freeze; the rest of the test polls.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, stoppedAt + 1000 - Date.now())));
    } finally {
      resumedAt = Date.now();
      cluster.signal(frozen, "SIGCONT");
    }
    await cluster.waitForLine(frozen, (event) => event.event === "role" && event.role === "peer", 3000, "step down after SIGCONT", resumedAt);
    const after = await settled(cluster.running, 5);
    expect(oneMaster(after)).not.toBe(frozen.name);
    expect(after.filter((status) => status.role === "master")).toHaveLength(1);
  });

  it("two agents killed at once: the remaining three elect a master and keep the timer going", async () => {
    const statuses = await cluster.statuses(cluster.running);
    const master = byName(oneMaster(statuses)!);
    const peer = cluster.running.find((agent) => agent !== master)!;
    const { survivors } = await killAndFailover([master, peer], `SIGKILL master ${master.name} and peer ${peer.name} together`);
    expect(survivors).toHaveLength(3);
    const skipped = await cluster.cli(["skip", "--peer", `127.0.0.1:${survivors[0]!.tcpPort}`]);
    expect(skipped.code, skipped.stderr).toBe(0);
    const after = await waitUntil(
      async () => {
        const now = await cluster.statuses(survivors);
        return now.every((status) => status.phase === "short_break") && now;
      },
      3000,
      "the three to move on to the short break",
    );
    expect(spread(deadlines(after))).toBeLessThan(DEADLINE_TOLERANCE_MS);
    // The master drops the silent members (after the core's 2 s member timeout), one at a time.
    const shrunk = await settled(survivors, 3, 8000);
    expect(shrunk[0]!.members.map((member) => member.id).sort()).toEqual(survivors.map((agent) => agent.name).sort());
    for (const agent of survivors) expect(agent.exited, cluster.describe(agent)).toBe(false);
  });

  it("SIGTERM makes a master hand over before it exits with 0", async () => {
    const statuses = await cluster.statuses(cluster.running);
    const master = byName(oneMaster(statuses)!);
    const others = cluster.running.filter((agent) => agent !== master);
    const stoppedAt = Date.now();
    cluster.signal(master, "SIGTERM");
    await master.exit;
    expect(master.exitCode).toBe(0);
    expect(cluster.last(master, "stopped")).toBeDefined();
    const agreed = await waitUntil(() => agreedFromLines(others, [master.name]), 3000, "the others to follow the successor");
    measurements.push(`SIGTERM master ${master.name}: handed over to ${agreed.master}, exited after ${Date.now() - stoppedAt} ms`);
    // A handover, not an election after a timeout: the successor is in charge well within one.
    expect(agreed.at - stoppedAt).toBeLessThan(1000);
  });
});
