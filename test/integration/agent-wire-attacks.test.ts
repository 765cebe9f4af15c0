import { connect, createServer, type Server } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_ELECTION_CONFIG } from "../../agent/core/election.ts";
import { memberDigest } from "../../agent/core/member-digest.ts";
import type { Heartbeat } from "../../agent/core/messages.ts";
import { MAX_LAMPORT, MAX_TERM } from "../../agent/net/message-shape.ts";
import { FrameDecoder } from "../../agent/net/frames.ts";
import { parseRefusal } from "../../agent/net/handshake.ts";
import { udpBinding } from "../../agent/net/recipient-binding.ts";
import { WireAuth } from "../../agent/net/wire-auth.ts";
import type { TickBody } from "../../agent/net/wire-body.ts";
import { requestControl } from "../../agent/control/client.ts";
import type { AgentStatus } from "../../agent/status-report.ts";
import { DEFAULT_SETTINGS } from "../../shared/pomodoro.ts";
import { AgentCluster, waitUntil, type Agent } from "../helpers/agents.ts";
import { exchangeGreeted, idleSockets, sendGreeted, sendUdp } from "../helpers/wire.ts";

/**
 * Three real agents attacked over their real sockets: by a script that holds the team key and sends
 * crafted signed frames (terms, deadlines), by one that replays what it captured, and by anyone at
 * all (idle sockets, floods). The session must come through each with one master, counting what it
 * dropped. The steps build on each other.
 */

const cluster = new AgentCluster();
const measurements: string[] = [];
/** The key-holding attacker's own side of the wire. */
const mallory = new WireAuth({ teamKey: cluster.teamKey, senderId: "mallory" });

afterAll(async () => {
  if (measurements.length > 0) console.log(`agent-wire-attacks measurements:\n  ${measurements.join("\n  ")}`);
  await cluster.stopAll();
});

function byName(name: string): Agent {
  const agent = cluster.running.find((candidate) => candidate.name === name);
  if (agent === undefined) throw new Error(`no running agent ${name}`);
  return agent;
}

/** The one master every status names in one term, or null. */
function oneMaster(statuses: readonly AgentStatus[]): AgentStatus | null {
  const masters = statuses.filter((status) => status.role === "master");
  if (masters.length !== 1) return null;
  const master = masters[0]!;
  return statuses.every((status) => status.master === master.node_id && status.term === master.term) ? master : null;
}

async function settled(agents: readonly Agent[], members: number, timeoutMs = 8000): Promise<AgentStatus[]> {
  return waitUntil(
    async () => {
      const statuses = await cluster.statuses(agents);
      return oneMaster(statuses) !== null && statuses.every((status) => status.members.length === members) && statuses;
    },
    timeoutMs,
    `${agents.map((agent) => agent.name).join(",")} to agree on one master of ${members}`,
  );
}

/** A heartbeat as the key-holder forges it, from a master nobody elected. */
function forgedHeartbeat(status: AgentStatus, term: number, endsAt: number | null): Heartbeat {
  const now = Date.now();
  const members = [...status.members, { id: "mallory", address: "127.0.0.1:1/1" }];
  return {
    type: "heartbeat",
    term,
    from: "mallory",
    lamport: 1,
    sentAt: now,
    echo: null,
    live: ["mallory", ...status.members.map((member) => member.id)],
    lost: [],
    overridden: [],
    mergeAck: null,
    members,
    membersDigest: memberDigest(members),
    membersVersion: 1000,
    timer: { phase: "focus", endsAt, paused: false, remainingMs: null, completedFocusRounds: 0, settings: DEFAULT_SETTINGS },
    stateVersion: { term, seq: 1000 },
    stateStamp: null,
    recentCommands: [],
  };
}

/** Sends `message` to every agent, signed by the key-holder for each connection. */
async function sendToAll(agents: readonly Agent[], statuses: readonly AgentStatus[], message: (status: AgentStatus) => Heartbeat): Promise<void> {
  await Promise.all(agents.map((agent, index) => sendGreeted(agent.tcpPort, (to) => [mallory.seal({ kind: "core", message: message(statuses[index]!) }, 0, to)])));
}

/** The boot of an agent's current run, as anyone on the wire sees it in the envelopes it signs. */
async function bootOf(agent: Agent): Promise<number> {
  const probe = new WireAuth({ teamKey: cluster.teamKey, senderId: "probe" });
  const reply = await exchangeGreeted(agent.tcpPort, (to) => probe.seal({ kind: "control", sent_at: Date.now(), request: { op: "status" } }, 0, to));
  if (reply === null) throw new Error(`${agent.name} did not answer`);
  return (JSON.parse(reply) as { boot: number }).boot;
}

describe("groupsync-agent under attack on its wire, real processes", () => {
  it("three agents start and agree", async () => {
    const a = await cluster.start("a");
    await cluster.join("b", a);
    await cluster.join("c", a);
    expect(oneMaster(await settled(cluster.running, 3))?.node_id).toBe("a");
  });

  it("a key-holder's heartbeat at MAX_TERM, at MAX_LAMPORT, or with a deadline 7 days away, is dropped and counted; nobody moves", async () => {
    const agents = cluster.running;
    const before = await settled(agents, 3);
    await sendToAll(agents, before, (status) => forgedHeartbeat(status, MAX_TERM, Date.now() + 60_000));
    await sendToAll(agents, before, (status) => forgedHeartbeat(status, status.term + 1, Date.now() + 7 * 24 * 3600_000));
    await sendToAll(agents, before, (status) => ({ ...forgedHeartbeat(status, status.term + 1, Date.now() + 60_000), lamport: MAX_LAMPORT }));
    const after = await waitUntil(
      async () => {
        const statuses = await cluster.statuses(agents);
        const counted = statuses.every((status, index) => {
          const was = before[index]!.drops;
          return status.drops.term_jump - was.term_jump >= 1 && status.drops.lamport_jump - was.lamport_jump >= 1 && status.drops.malformed - was.malformed >= 1;
        });
        return counted && statuses;
      },
      3000,
      "every agent to count the forged term and deadline",
    );
    expect(oneMaster(after)?.node_id).toBe("a");
    expect(after.map((status) => status.term)).toEqual(before.map((status) => status.term));
    expect(after.every((status) => status.ends_at !== null && status.ends_at < Date.now() + 24 * 3600_000)).toBe(true);
  });

  it("a key-holder's heartbeat whose timer carries a goal id over 128 characters, or not of a goal's form, is dropped and counted; nobody takes the goal", async () => {
    const agents = cluster.running;
    const before = await settled(agents, 3);
    for (const goal of ["x".repeat(129), "../../etc", ""]) {
      await sendToAll(agents, before, (status) => {
        const beat = forgedHeartbeat(status, status.term + 1, Date.now() + 60_000);
        return { ...beat, timer: { ...beat.timer, goal } };
      });
    }
    const after = await waitUntil(
      async () => {
        const statuses = await cluster.statuses(agents);
        return statuses.every((status, index) => status.drops.malformed - before[index]!.drops.malformed >= 3) && statuses;
      },
      3000,
      "every agent to count the three forged goals",
    );
    expect(oneMaster(after)?.node_id).toBe("a");
    expect(after.map((status) => status.term)).toEqual(before.map((status) => status.term));
    expect(after.map((status) => status.goal ?? null)).toEqual(before.map(() => null));
  });

  it("a key-holder's heartbeat at the highest term allowed takes the agents over only until it goes quiet: then one real master again", async () => {
    const agents = cluster.running;
    const before = await settled(agents, 3);
    const forgedTerm = Math.max(...before.map((status) => status.term)) + 900;
    const sentAt = Date.now();
    await sendToAll(agents, before, (status) => forgedHeartbeat(status, forgedTerm, Date.now() + 60_000));
    const taken = await cluster.statuses(agents);
    expect(taken.filter((status) => status.term >= forgedTerm).length).toBeGreaterThan(0);
    const recovered = await waitUntil(
      async () => {
        const statuses = await cluster.statuses(agents);
        const master = oneMaster(statuses);
        return master !== null && master.node_id !== "mallory" && master.term > forgedTerm && statuses;
      },
      8000,
      "one real master in a term above the forged one",
    );
    measurements.push(`forged term ${forgedTerm}: back to one real master (${oneMaster(recovered)!.node_id}, term ${oneMaster(recovered)!.term}) ${Date.now() - sentAt} ms after`);
  });

  it("a key-holder signing as a member, with a later run and seq, on its own connection: the member's real frames still count, nobody is locked out", async () => {
    const agents = cluster.running;
    const before = await settled(agents, 3);
    const master = byName(oneMaster(before)!.node_id);
    const victim = agents.find((agent) => agent !== master)!;
    const impostor = new WireAuth({ teamKey: cluster.teamKey, senderId: victim.name, boot: Date.now() + 60_000 });
    const status = { kind: "control" as const, sent_at: Date.now(), request: { op: "status" as const } };
    for (let i = 0; i < 999; i++) impostor.seal(status, 0, "nobody");
    expect(await exchangeGreeted(master.tcpPort, (to) => impostor.seal(status, 0, to))).not.toBeNull(); // it was let in: the key is right
    const replayBefore = (await cluster.status(master)).drops.replay;
    await new Promise((resolve) => setTimeout(resolve, 1500)); // more than an election timeout of the victim's beats and acks
    const after = await cluster.status(master);
    expect(after.lost.map((member) => member.id)).not.toContain(victim.name);
    expect(after.members.map((member) => member.id)).toContain(victim.name);
    expect(after.drops.replay - replayBefore).toBeLessThan(3);
    expect(oneMaster(await settled(agents, 3))?.node_id).toBe(master.name);
  });

  it("a captured control request replayed to another agent, or to the same one on another connection or after a restart, is dropped as misdirected", async () => {
    const [b, c] = [byName("b"), byName("c")];
    // The capture: a relay between a CLI and agent b that keeps every line the CLI sent.
    const captured: string[] = [];
    const relay: Server = createServer((client) => {
      const upstream = connect({ host: "127.0.0.1", port: b.tcpPort });
      const decoder = new FrameDecoder();
      client.on("data", (chunk: Buffer) => {
        captured.push(...decoder.push(chunk).frames);
        upstream.write(chunk);
      });
      upstream.pipe(client);
      for (const socket of [client, upstream]) socket.on("error", () => {});
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    const relayPort = (relay.address() as { port: number }).port;
    const through = await requestControl({ target: { host: "127.0.0.1", port: relayPort }, teamKey: cluster.teamKey, request: { op: "command", command: { kind: "pause" } } });
    relay.close();
    expect(through.reply.ok).toBe(true);
    expect(captured).toHaveLength(1);
    const frame = captured[0]!;

    // The same for UDP: a tick bound to b's run, sent once (accepted), then replayed.
    const bBoot = await bootOf(b);
    const tick: TickBody = { kind: "tick", phase: "focus", paused: false, ends_at: Date.now() + 60_000, remaining_ms: 60_000, sent_at: Date.now() };
    const datagram = mallory.seal(tick, 0, udpBinding("b", bBoot));

    const [bBefore, cBefore] = await cluster.statuses([b, c]);
    const replies = await Promise.all([sendGreeted(c.tcpPort, () => [frame]), sendGreeted(b.tcpPort, () => [frame])]);
    expect(replies.map((frames) => frames.map(parseRefusal))).toEqual([["misdirected"], ["misdirected"]]);
    await sendUdp(b.udpPort, [datagram]);
    await waitUntil(async () => (await cluster.status(b)).ticks_received > bBefore!.ticks_received, 2000, "b to take the genuine tick");
    await sendUdp(b.udpPort, [datagram]);
    await sendUdp(c.udpPort, [datagram]);
    const [bAfter, cAfter] = await waitUntil(
      async () => {
        const statuses = await cluster.statuses([b, c]);
        const [bNow, cNow] = statuses;
        const done =
          bNow!.drops.misdirected - bBefore!.drops.misdirected >= 1 &&
          bNow!.drops.replay - bBefore!.drops.replay >= 1 &&
          cNow!.drops.misdirected - cBefore!.drops.misdirected >= 2;
        return done && statuses;
      },
      3000,
      "b and c to count the replays",
    );
    measurements.push(`replays: b drops ${JSON.stringify(bAfter!.drops)}; c drops ${JSON.stringify(cAfter!.drops)}`);

    // b restarts under its old name: both captures are for a run that is gone.
    cluster.signal(b, "SIGKILL");
    await b.exit;
    const again = await cluster.join("b", byName("a"));
    await cluster.waitForLine(again, (event) => event.event === "joined", 5000, "rejoined");
    const fresh = await cluster.status(again);
    const refused = await sendGreeted(again.tcpPort, () => [frame]);
    expect(refused.map(parseRefusal)).toEqual(["misdirected"]);
    await sendUdp(again.udpPort, [datagram]);
    const restarted = await waitUntil(
      async () => {
        const status = await cluster.status(again);
        return status.drops.misdirected - fresh.drops.misdirected >= 2 && status;
      },
      3000,
      "the restarted b to count both replays",
    );
    expect(restarted.drops.tcp).toBeGreaterThanOrEqual(1);
    expect(restarted.drops.udp).toBeGreaterThanOrEqual(1);
    await settled(cluster.running, 3);
  });

  it("600 idle connections from anyone (no key) starve nothing: status and join still work, and the idle ones are counted", async () => {
    const a = byName("a");
    const before = await cluster.status(a);
    const started = Date.now();
    // 600 from one address and 100 more from twenty others, so both caps are hit.
    const sockets = [
      ...(await idleSockets(a.tcpPort, 600)),
      ...(await Promise.all(Array.from({ length: 20 }, (_, i) => idleSockets(a.tcpPort, 5, `127.0.0.${i + 2}`)))).flat(),
    ];
    const open = sockets.filter((socket) => !socket.destroyed).length;
    const status = await cluster.cli(["status", "--json", "--peer", `127.0.0.1:${a.tcpPort}`]);
    expect(status.code, status.stderr).toBe(0);
    const statusMs = Date.now() - started;
    const d = await cluster.join("d", a);
    await cluster.waitForLine(d, (event) => event.event === "joined", 5000, "joined past the idle sockets");
    const after = await cluster.status(a);
    measurements.push(`700 idle sockets: ${open} still open on our side after opening, status answered ${statusMs} ms after the first; a drops ${JSON.stringify(after.drops)}`);
    expect(after.drops.crowded - before.drops.crowded).toBeGreaterThanOrEqual(700 - 64);
    // Those left waiting are closed once the handshake timeout passes.
    await waitUntil(async () => (await cluster.status(a)).drops.silent - before.drops.silent >= 1, 8000, "the idle connections to time out");
    for (const socket of sockets) socket.destroy();
    await settled(cluster.running, 4);
  });

  it("an agent joining with another team key is told so: one warning line naming GROUPSYNC_TEAM_KEY, and nobody lets it in", async () => {
    const a = byName("a");
    const stranger = await cluster.join("stranger", a, [], { env: { GROUPSYNC_TEAM_KEY: "not-the-team-key-0123456789" } });
    const warning = await cluster.waitForLine(stranger, (event) => event.event === "warning", 5000, "a warning about the key");
    expect(warning.event.message).toMatch(/^the agent at 127\.0\.0\.1:\d+ closed our link: it could not verify our signature: GROUPSYNC_TEAM_KEY is not the same as its$/);
    cluster.signal(stranger, "SIGKILL");
    await stranger.exit;
    const statuses = await cluster.statuses(cluster.running);
    expect(statuses.every((status) => !status.members.some((member) => member.id === "stranger"))).toBe(true);
  });

  it("a flood of garbage and signed frames over UDP and TCP for 3 s: no failover, the agent keeps answering and taking heartbeats in time, every drop counted", async () => {
    const agents = cluster.running;
    const before = await settled(agents, agents.length);
    const master = oneMaster(before)!;
    const target = agents.find((agent) => agent.name !== master.node_id)!;
    const targetBefore = before[agents.indexOf(target)]!;
    const flooding = cluster.script("test/helpers/flood-script.ts", [String(target.tcpPort), String(target.udpPort), target.name, "3000"]);
    const until = Date.now() + 3000;
    const samples: AgentStatus[] = [];
    const watch = async () => {
      while (Date.now() < until) {
        samples.push(await cluster.status(target, 4000));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    const [flood] = await Promise.all([flooding, watch()]);
    expect(flood.code, flood.stderr).toBe(0);
    const { udp, tcp } = JSON.parse(flood.stdout) as { udp: number; tcp: number };
    const after = await cluster.statuses(agents);
    const targetAfter = after[agents.indexOf(target)]!;
    measurements.push(`flood: ${udp} datagrams and ${tcp} TCP connections in 3 s, ${samples.length} status answers meanwhile; ${target.name} took ${targetAfter.ticks_received - targetBefore.ticks_received} UDP ticks meanwhile, heartbeats at most ${Math.max(...samples.map((sample) => sample.last_heartbeat_ms_ago ?? -1))} ms old; drops ${JSON.stringify(targetAfter.drops)}`);
    expect(oneMaster(after)?.node_id).toBe(master.node_id);
    expect(after.map((status) => status.term)).toEqual(before.map((status) => status.term));
    // The agent kept answering, and kept taking the master's heartbeats (TCP) in time: its loop ran and
    // its timer held. UDP ticks are informational, and the kernel drops them with the flood, in proportion.
    expect(samples.length).toBeGreaterThan(3);
    const heartbeatAges = samples.map((sample) => sample.last_heartbeat_ms_ago ?? Infinity);
    expect(Math.max(...heartbeatAges)).toBeLessThan(DEFAULT_ELECTION_CONFIG.electionTimeoutMinMs);
    for (const sample of samples) expect([sample.master, sample.phase, sample.paused]).toEqual([master.node_id, targetBefore.phase, targetBefore.paused]);
    // Datagrams beyond what the kernel buffers are lost before the agent sees them; every TCP frame is counted.
    expect(targetAfter.drops.udp - targetBefore.drops.udp).toBeGreaterThan(1000);
    // Half the TCP connections carried garbage and ended cleanly: each of those is counted.
    await waitUntil(async () => (await cluster.status(target)).drops.tcp - targetBefore.drops.tcp >= tcp / 2, 3000, "every garbage connection counted");
  });
});
