import { describe, expect, it } from "vitest";
import { DEFAULT_ELECTION_CONFIG, ElectionNode, majority } from "../../agent/core/election.ts";
import { stampKey, compareStamps } from "../../shared/lamport.ts";
import type { Heartbeat, NodeId, NodeOutput } from "../../agent/core/messages.ts";
import { SimNetwork } from "../helpers/sim-network.ts";
import { randomInt, seededRandom } from "../../agent/core/seeded-random.ts";
import {
  IDS,
  MIN,
  addressOf,
  agreedMaster,
  appliedOrder,
  cluster,
  masters,
  newNode,
  quantile,
  running,
  settle,
  summary,
  trueDeadline,
  trueDeadlineOrRemaining,
  watched,
  type Cluster,
} from "../helpers/election-sim.ts";

const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);
const FEWER_SEEDS = SEEDS.slice(0, 50);
const { electionTimeoutMinMs, electionTimeoutMaxMs, heartbeatMs } = DEFAULT_ELECTION_CONFIG;

/** A member in a five-member list. */
function isFullMember(node: ElectionNode): boolean {
  return node.membership === "member" && node.members.length === 5;
}

describe("a single node", () => {
  it("bootstraps a session as its only member and master", () => {
    const node = new ElectionNode({ id: "solo", address: "a", now: 0, random: seededRandom(1) });
    expect(node.membership).toBe("detached");
    const out = node.bootstrap(0);
    expect(node).toMatchObject({ role: "master", term: 1, masterId: "solo", membership: "member" });
    expect(out.events.map((event) => event.type)).toEqual(["term_changed", "role_changed", "master_changed"]);
    expect(node.members).toEqual([{ id: "solo", address: "a" }]);
    expect(out.messages).toEqual([]);
  });

  it("applies its own commands after the settle time, never before", () => {
    const node = new ElectionNode({ id: "solo", address: "a", now: 0, random: seededRandom(1) });
    node.bootstrap(0);
    const { stamp } = node.command({ kind: "start" }, 10);
    expect(node.tick(10 + DEFAULT_ELECTION_CONFIG.commandSettleMs - 1).events).toEqual([]);
    const applied = node.tick(10 + DEFAULT_ELECTION_CONFIG.commandSettleMs).events;
    expect(applied).toEqual([
      { type: "command_applied", entry: expect.objectContaining({ seq: 1, stamp, outcome: "applied" }) },
      { type: "timer_changed", timer: expect.objectContaining({ phase: "focus", paused: false, endsAt: 30 + 25 * MIN, round: 0 }) },
    ]);
    expect(node.timerAt(100)).toMatchObject({ phase: "focus", endsAt: 30 + 25 * MIN });
  });

  it("says when the timer changes (a command, the end of a phase), and only then", () => {
    const node = new ElectionNode({ id: "solo", address: "a", now: 0, random: seededRandom(1) });
    node.bootstrap(0);
    node.command({ kind: "start", settings: { focusMs: 1000 } }, 0); // applied at the next tick, once settled
    const timerEvents = (output: NodeOutput) => output.events.filter((event) => event.type === "timer_changed");
    expect(timerEvents(node.tick(100))).toEqual([{ type: "timer_changed", timer: expect.objectContaining({ phase: "focus", endsAt: 1100 }) }]);
    expect(timerEvents(node.tick(500))).toEqual([]);
    expect(timerEvents(node.tick(1150))).toEqual([{ type: "timer_changed", timer: expect.objectContaining({ phase: "short_break", round: 1 }) }]);
    node.command({ kind: "pause" }, 1200);
    expect(timerEvents(node.tick(1300))).toEqual([{ type: "timer_changed", timer: expect.objectContaining({ phase: "short_break", paused: true, endsAt: null }) }]);
    expect(timerEvents(node.tick(1400))).toEqual([]);
  });

  it("reports a refused command in the log instead of failing", () => {
    const node = new ElectionNode({ id: "solo", address: "a", now: 0, random: seededRandom(1) });
    node.bootstrap(0);
    node.command({ kind: "pause" }, 0);
    node.tick(100);
    expect(node.appliedCommands).toEqual([expect.objectContaining({ outcome: "not_running" })]);
  });

  it("leaves at once when alone", () => {
    const node = new ElectionNode({ id: "solo", address: "a", now: 0, random: seededRandom(1) });
    node.bootstrap(0);
    expect(node.leave(5).events).toContainEqual({ type: "left" });
    expect(node.hasLeft).toBe(true);
    expect(node.tick(1000)).toEqual({ messages: [], events: [] });
  });

  it("rejects a configuration whose heartbeat is not well inside the election timeout", () => {
    const config = { heartbeatMs: DEFAULT_ELECTION_CONFIG.electionTimeoutMinMs };
    expect(() => new ElectionNode({ id: "x", address: "a", now: 0, random: Math.random, config })).toThrow(/heartbeatMs/);
    const rareAcks = { ackIntervalMs: DEFAULT_ELECTION_CONFIG.electionTimeoutMinMs - DEFAULT_ELECTION_CONFIG.heartbeatMs };
    expect(() => new ElectionNode({ id: "x", address: "a", now: 0, random: Math.random, config: rareAcks })).toThrow(/ackIntervalMs/);
  });

  it("counts a strict majority (of the member list, or of the members that answered)", () => {
    expect([1, 2, 3, 4, 5, 6].map(majority)).toEqual([1, 2, 2, 3, 3, 4]);
  });
});

describe("two nodes wired by hand", () => {
  const members = [
    { id: "m", address: "m" },
    { id: "p", address: "p" },
  ];
  /** The timings these hand-written steps count on, whatever the defaults are. */
  const config = { heartbeatMs: 50, electionTimeoutMinMs: 150, electionTimeoutMaxMs: 300 };
  /** m times out first (random 0 → 150 ms), p last (→ 300 ms). */
  function pair() {
    const m = new ElectionNode({ id: "m", address: "m", now: 0, random: () => 0, members, config });
    const p = new ElectionNode({ id: "p", address: "p", now: 0, random: () => 0.999, members, config });
    return { m, p };
  }
  const heartbeatsIn = (out: NodeOutput) => out.messages.filter((e) => e.message.type === "heartbeat").map((e) => e.message);

  function electM(m: ElectionNode, p: ElectionNode): void {
    const request = m.tick(150).messages.map((e) => e.message);
    expect(request.map((message) => message.type)).toEqual(["request_vote"]);
    const vote = p.receive(request[0]!, 151).messages[0]!.message;
    expect(vote).toMatchObject({ type: "vote", granted: true, term: 1 });
    m.receive(vote, 152);
    expect(m.role).toBe("master");
  }

  it("elects the node whose timeout fires first, with the other's vote", () => {
    const { m, p } = pair();
    electM(m, p);
    expect(p.term).toBe(1);
  });

  it("ignores a heartbeat older than the state it already has (reordered delivery)", () => {
    const { m, p } = pair();
    electM(m, p);
    m.command({ kind: "start" }, 160);
    const older = heartbeatsIn(m.tick(180));
    m.command({ kind: "pause" }, 190);
    const newer = heartbeatsIn(m.tick(210));
    expect(older).toHaveLength(1);
    expect(newer).toHaveLength(1);
    p.receive(newer[0]!, 215);
    p.receive(older[0]!, 216);
    expect(p.timerAt(220)).toMatchObject({ phase: "focus", paused: true });
    expect(p.stateVersion.seq).toBe(2);
  });

  it("sends the list until the follower's ack shows it; a beat without a list the receiver does not hold only gets its digest back", () => {
    const { m, p } = pair();
    electM(m, p);
    const first = heartbeatsIn(m.tick(210))[0] as Heartbeat;
    expect(first.members).toEqual(members);
    const lostAck = heartbeatsIn(m.tick(260))[0] as Heartbeat; // p never answered the first
    expect(lostAck.members).toEqual(members);
    m.receive(p.receive(lostAck, 261).messages[0]!.message, 262);
    const atRest = heartbeatsIn(m.tick(310))[0] as Heartbeat;
    expect(atRest).toMatchObject({ members: null, membersDigest: first.membersDigest });
    p.receive(atRest, 311);
    expect(p.lastHeartbeatAt).toBe(311);

    const unknownList = { ...atRest, membersDigest: "ffffffffffffffff", sentAt: 320 };
    const answer = p.receive(unknownList, 321).messages.map((envelope) => envelope.message);
    expect(answer).toMatchObject([{ type: "heartbeat_ack", accepted: true, membersDigest: first.membersDigest }]);
    expect(p.lastHeartbeatAt).toBe(311); // nothing taken from it
    expect(p.members).toEqual(members);
  });

  it("acks every beat of a new master until its clock estimate is full, then every other beat", () => {
    const { m, p } = pair();
    electM(m, p);
    const acked: boolean[] = [];
    for (let at = 210; acked.length < 20; at += config.heartbeatMs) {
      const beat = heartbeatsIn(m.tick(at))[0]!;
      const acks = p.receive(beat, at + 1).messages.filter((envelope) => envelope.message.type === "heartbeat_ack");
      for (const ack of acks) m.receive(ack.message, at + 2);
      acked.push(acks.length > 0);
    }
    const { clockSamples } = DEFAULT_ELECTION_CONFIG;
    // One round trip per ack: the beat after an ack echoes it, so the (k+1)th beat brings the kth sample.
    expect(acked.slice(0, clockSamples)).toEqual(Array(clockSamples).fill(true));
    expect(acked.slice(clockSamples)).toEqual(acked.slice(clockSamples).map((_, index) => index % 2 === 1));
  });

  it("grants at most one vote per term, and answers a resend the same way", () => {
    const three = [...members, { id: "r", address: "r" }];
    const node = (id: string, random: number) => new ElectionNode({ id, address: id, now: 0, random: () => random, members: three, config });
    const [m, r, p] = [node("m", 0), node("r", 0), node("p", 0.999)];
    const fromM = m.tick(150).messages[0]!.message;
    const fromR = r.tick(150).messages[0]!.message;
    expect(p.receive(fromM, 151).messages[0]!.message).toMatchObject({ type: "vote", granted: true, term: 1 });
    expect(p.receive(fromR, 152).messages[0]!.message).toMatchObject({ type: "vote", granted: false, term: 1 });
    expect(p.receive(fromM, 153).messages[0]!.message).toMatchObject({ type: "vote", granted: true, term: 1 });
  });

  it("does not let a non-member's vote request move its term, and tells it so", () => {
    const { p } = pair();
    const outsider = new ElectionNode({ id: "x", address: "x", now: 0, random: () => 0, members: [{ id: "x", address: "x" }, ...members], config });
    const request = { ...outsider.tick(150).messages[0]!.message };
    expect(request).toMatchObject({ type: "request_vote", term: 1 });
    expect(p.receive(request, 151).messages[0]!.message).toMatchObject({ type: "vote", granted: false, member: false, term: 0 });
    expect(p.term).toBe(0);
  });

  it("a candidate that hears from nobody wins alone once its vote window is over: availability over a majority", () => {
    const { m } = pair();
    expect(m.tick(150).messages.map((e) => e.message.type)).toEqual(["request_vote"]);
    expect(m.tick(150 + DEFAULT_ELECTION_CONFIG.voteWindowMs - 1).messages).toEqual([]);
    expect(m.role).toBe("candidate");
    const won = m.tick(150 + DEFAULT_ELECTION_CONFIG.voteWindowMs);
    expect(m).toMatchObject({ role: "master", term: 1 });
    expect(won.messages.map((e) => e.message.type)).toEqual(["heartbeat"]);
  });

  it("the survivor of a two-member session wins at once when the master dies: it waits for no one", () => {
    const { m, p } = pair();
    electM(m, p);
    p.receive(heartbeatsIn(m.tick(260))[0]!, 261);
    expect(p.masterId).toBe("m");
    const out = p.tick(261 + config.electionTimeoutMaxMs);
    expect(p).toMatchObject({ role: "master", term: 2, masterId: "p" });
    expect(out.messages.map((e) => e.message.type)).toEqual(["request_vote", "heartbeat"]);
  });
});

describe("the simulated network", () => {
  it("replays a run exactly from its seed", () => {
    const trace = (seed: number) => {
      const c = cluster(seed, { conditions: { dropRate: 0.1, maxDelayMs: 30, duplicateRate: 0.05 } });
      c.sim.runFor(1000);
      return JSON.stringify(c.sim.events) + JSON.stringify(c.sim.stats);
    };
    expect(trace(42)).toBe(trace(42));
    expect(trace(42)).not.toBe(trace(43));
  });
});

// Hundreds of simulated seconds per test: generous timeouts, as the whole suite shares two cores.
describe("leader election, 5 nodes, 200 seeds per scenario", { timeout: 60_000 }, () => {
  it("elects exactly one master that everyone follows", () => {
    const times: number[] = [];
    for (const seed of SEEDS) {
      const c = cluster(seed);
      const start = c.sim.now;
      settle(c, 2000);
      times.push(c.sim.now - start);
      c.sim.runFor(1000);
      expect(agreedMaster(running(c.sim)), `seed ${seed}`).not.toBeNull();
      expect(c.violations).toEqual([]);
    }
    expect(quantile(times, 1)).toBeLessThan(2 * electionTimeoutMaxMs + 100);
  });

  it("replaces a killed master with one of a higher term that every survivor follows", () => {
    const electedAfter: number[] = [];
    for (const seed of SEEDS) {
      const c = cluster(seed);
      const old = settle(c);
      c.sim.runFor(500);
      c.sim.crash(old.id);
      const killedAt = c.sim.now;
      expect(c.sim.runUntil(() => masters(running(c.sim)).length > 0, 2000), `seed ${seed}`).toBe(true);
      electedAfter.push(c.sim.now - killedAt);
      const next = settle(c, 1000);
      // Followers take turns by id: the first in line campaigns alone and wins the very next term.
      expect(next.id, `seed ${seed}`).toBe(IDS.filter((id) => id !== old.id)[0]);
      expect(next.term, `seed ${seed}`).toBe(old.term + 1);
      expect(c.violations).toEqual([]);
      expect(c.sim.stats.unroutable).toBe(0);
    }
    failoverReport.push(electedAfter);
    // One round, in the first in line's slice: [min, min + slice / 2] after the last heartbeat.
    const slice = (electionTimeoutMaxMs - electionTimeoutMinMs) / (IDS.length - 1);
    expect(Math.max(...electedAfter)).toBeLessThanOrEqual(electionTimeoutMinMs + slice / 2 + 50);
  });

  it("when the shell knows the master's process is gone (masterGone), the first in line campaigns at once and wins the next term", () => {
    const electedAfter: number[] = [];
    for (const seed of FEWER_SEEDS) {
      const c = cluster(seed);
      const old = settle(c);
      c.sim.runFor(500);
      c.sim.crash(old.id);
      // What the master sent before it died arrives first (on TCP it is ahead of the close), then
      // every survivor's shell sees the master's connection close and its port refuse.
      c.sim.runFor(60);
      const killedAt = c.sim.now;
      for (const node of running(c.sim)) c.sim.act(node.id, (n, now) => n.masterGone(old.id, now));
      expect(c.sim.runUntil(() => masters(running(c.sim)).length > 0, 2000), `seed ${seed}`).toBe(true);
      electedAfter.push(c.sim.now - killedAt);
      const next = settle(c, 1000);
      expect(next.id, `seed ${seed}`).toBe(IDS.filter((id) => id !== old.id)[0]);
      expect(next.term, `seed ${seed}`).toBe(old.term + 1);
      expect(c.violations).toEqual([]);
    }
    expect(Math.max(...electedAfter)).toBeLessThan(electionTimeoutMinMs / 2);
  });

  it("ignores masterGone about anyone but its master, and while it is master itself", () => {
    const c = cluster(1);
    const master = settle(c);
    c.sim.runFor(500);
    const follower = running(c.sim).find((node) => node !== master)!;
    const other = running(c.sim).find((node) => node !== master && node !== follower)!;
    c.sim.act(follower.id, (n, now) => n.masterGone(other.id, now));
    c.sim.act(master.id, (n, now) => n.masterGone(master.id, now));
    c.sim.runFor(electionTimeoutMinMs / 2);
    expect(agreedMaster(running(c.sim))?.id).toBe(master.id);
    expect(master.term).toBe(running(c.sim).find((node) => node !== master)!.term);
  });

  it("still elects in one more round when the first in line is dead too", () => {
    for (const seed of FEWER_SEEDS) {
      const c = cluster(seed);
      const old = settle(c);
      c.sim.runFor(500);
      const firstInLine = IDS.filter((id) => id !== old.id)[0]!;
      c.sim.crash(old.id);
      c.sim.crash(firstInLine);
      const killedAt = c.sim.now;
      expect(c.sim.runUntil(() => masters(running(c.sim)).length > 0, 2000), `seed ${seed}`).toBe(true);
      expect(c.sim.now - killedAt).toBeLessThanOrEqual(electionTimeoutMaxMs + 50);
      expect(settle(c, 1000).id).toBe(IDS.filter((id) => id !== old.id)[1]);
      expect(c.violations).toEqual([]);
    }
  });

  it("never holds two masters in one connected group longer than an election timeout: 10% drops, delays, duplicates, reordering, crash, split, freeze, handover", () => {
    const conditions = { dropRate: 0.1, minDelayMs: 1, maxDelayMs: 40, duplicateRate: 0.05, reorder: true };
    let candidacies = 0;
    for (const seed of SEEDS) {
      const c = cluster(seed, { conditions });
      const { sim } = c;
      const pick = (nodes: ElectionNode[]) => nodes[randomInt(sim.random, 0, nodes.length - 1)]!;
      sim.runFor(1500);
      const first = masters(running(sim))[0];
      if (first !== undefined) sim.crash(first.id);
      sim.runFor(300);
      // Two against two: each side elects its own master (availability), and they merge on heal.
      const survivors = running(sim).map((node) => node.id);
      sim.partition(survivors.slice(0, 2), survivors.slice(2));
      sim.runFor(1000);
      sim.heal();
      const frozen = pick(running(sim));
      sim.freeze(frozen.id);
      sim.runFor(400);
      sim.thaw(frozen.id);
      sim.runFor(300);
      const leaver = masters(running(sim))[0];
      if (leaver !== undefined) {
        sim.act(leaver.id, (node, now) => node.leave(now));
        sim.runUntil(() => leaver.hasLeft, 1500);
        sim.crash(leaver.id);
      }
      sim.runFor(500);
      expect(c.violations, `seed ${seed}`).toEqual([]);
      // And it still recovers once the network calms down, with three of five left.
      sim.setConditions({ dropRate: 0, duplicateRate: 0, maxDelayMs: 10 });
      settle(c, 3000);
      expect(c.violations, `seed ${seed}`).toEqual([]);
      candidacies += sim.events.filter(({ event }) => event.type === "role_changed" && event.role === "candidate").length;
    }
    // The scenario really is contested: several campaigns per run on average.
    expect(candidacies / SEEDS.length).toBeGreaterThan(3);
  });

  it("elects a new master on the side of a partition that lost it; the old one steps down when it heals (higher term)", () => {
    for (const seed of SEEDS) {
      const c = cluster(seed);
      const old = settle(c);
      const minority = [old.id, IDS.find((id) => id !== old.id)!];
      const majoritySide = IDS.filter((id) => !minority.includes(id));
      c.sim.partition(minority, majoritySide);
      const majorityNodes = majoritySide.map((id) => c.sim.node(id));
      const majorityMaster = (() => {
        expect(c.sim.runUntil(() => agreedMaster(majorityNodes) !== null, 2000), `seed ${seed}`).toBe(true);
        return agreedMaster(majorityNodes)!;
      })();
      expect(majorityMaster.term).toBeGreaterThan(old.term);
      c.sim.runFor(300);
      c.sim.heal();
      expect(c.sim.runUntil(() => old.role !== "master", 500), `seed ${seed}`).toBe(true);
      const final = settle(c, 2000);
      expect(final.term).toBeGreaterThanOrEqual(majorityMaster.term);
      expect(c.violations).toEqual([]);
    }
  });

  it("steps down a master frozen for 1 s (SIGSTOP) as soon as it resumes and sees the higher term", () => {
    for (const seed of SEEDS) {
      const c = cluster(seed);
      const old = settle(c);
      const frozenTerm = old.term;
      c.sim.freeze(old.id);
      c.sim.runFor(1000);
      const others = running(c.sim);
      expect(agreedMaster(others), `seed ${seed}`).not.toBeNull();
      c.sim.thaw(old.id);
      // Held messages are delivered before its first tick, so it never acts as master again.
      c.sim.step();
      expect(old.role, `seed ${seed}`).toBe("peer");
      expect(old.term).toBeGreaterThan(frozenTerm);
      const final = settle(c, 1000);
      expect(final.id).not.toBe(old.id);
      expect(c.violations).toEqual([]);
    }
  });

  it("steps down a frozen master whose held messages were lost, through the stale-term answers to its heartbeats", () => {
    for (const seed of FEWER_SEEDS) {
      const c = cluster(seed);
      const old = settle(c);
      c.sim.partition([old.id], IDS.filter((id) => id !== old.id)); // nothing reaches it: as if the buffers were dropped
      c.sim.freeze(old.id);
      c.sim.runFor(1000);
      c.sim.thaw(old.id);
      c.sim.heal();
      c.sim.step(); // it ticks once as a master, sending stale heartbeats
      expect(c.sim.runUntil(() => old.role !== "master", 3 * heartbeatMs)).toBe(true);
      settle(c, 1000);
      expect(c.violations).toEqual([]);
    }
  });

  it("hands over gracefully: the lowest-id member takes term + 1 with no moment without a master", () => {
    const gaps: number[] = [];
    for (const seed of SEEDS) {
      const c = cluster(seed, { conditions: { minDelayMs: 1, maxDelayMs: 10 } });
      const old = settle(c);
      c.sim.runFor(200);
      const expectedSuccessor = IDS.filter((id) => id !== old.id).sort()[0]!;
      let stepsWithoutMaster = 0;
      c.sim.onStep(() => {
        if (masters(running(c.sim)).length === 0) stepsWithoutMaster += 1;
      });
      const oldTerm = old.term;
      c.sim.act(old.id, (node, now) => node.leave(now));
      expect(c.sim.runUntil(() => old.hasLeft, 500), `seed ${seed}`).toBe(true);
      c.sim.crash(old.id); // the process exits
      const successor = settle(c, 500);
      expect(successor.id).toBe(expectedSuccessor);
      expect(successor.term).toBe(oldTerm + 1);
      gaps.push(stepsWithoutMaster);
      // The leaver is taken off the member list once the new master has its list acknowledged.
      expect(c.sim.runUntil(() => running(c.sim).every((node) => node.members.length === 4), 500), `seed ${seed}`).toBe(true);
      expect(c.violations).toEqual([]);
    }
    expect(Math.max(...gaps)).toBe(0);
  });

  it("carries the remaining time across failover within 50 ms, with clocks skewed by up to ±5 s", () => {
    const jumps: number[] = [];
    const maxJumpPerSeed: number[] = [];
    for (const seed of SEEDS) {
      const c = cluster(seed, { maxSkewMs: 5000 });
      settle(c);
      const issuer = running(c.sim).find((node) => node.role !== "master")!;
      c.sim.act(issuer.id, (node, now) => node.command({ kind: "start" }, now));
      c.sim.runFor(1000);
      const old = agreedMaster(running(c.sim))!;
      const truth = trueDeadline(c.sim, old);
      for (const node of running(c.sim)) {
        expect(Math.abs(trueDeadline(c.sim, node) - truth), `seed ${seed} ${node.id} before`).toBeLessThan(50);
      }
      c.sim.crash(old.id);
      settle(c);
      c.sim.runFor(300);
      for (const node of running(c.sim)) {
        const jump = Math.abs(trueDeadline(c.sim, node) - truth);
        jumps.push(jump);
        maxJumpPerSeed[seed] = Math.max(maxJumpPerSeed[seed] ?? 0, jump);
        expect(jump, `seed ${seed} ${node.id} after`).toBeLessThan(50);
        expect(node.timerAt(c.sim.localNow(node.id)).phase).toBe("focus");
      }
    }
    expect(quantile(jumps, 0.5)).toBeLessThan(10);
    jumpReport.push(jumps);
  });

  it("applies concurrent commands from different members in the same (Lamport) order everywhere", () => {
    for (const seed of SEEDS) {
      const c = cluster(seed);
      const master = settle(c);
      c.sim.act(master.id, (node, now) => node.command({ kind: "start" }, now));
      c.sim.runFor(200);
      // Same instant, four members, commands whose result depends on their order.
      const issued = [
        c.sim.act("n2", (node, now) => node.command({ kind: "pause" }, now)),
        c.sim.act("n3", (node, now) => node.command({ kind: "set", durationMs: 10 * MIN }, now)),
        c.sim.act("n4", (node, now) => node.command({ kind: "skip" }, now)),
        c.sim.act("n5", (node, now) => node.command({ kind: "resume" }, now)),
      ];
      c.sim.runFor(500);
      const order = appliedOrder(master);
      expect(order).toHaveLength(5);
      for (const node of running(c.sim)) expect(appliedOrder(node), `seed ${seed} ${node.id}`).toEqual(order);
      // They reached the master within the settle window, so they were applied in stamp order.
      const applied = master.appliedCommands.slice(1).map((entry) => entry.stamp);
      expect(applied).toEqual([...applied].sort(compareStamps));
      expect(applied.map(stampKey).sort()).toEqual(issued.map((out) => stampKey(out.stamp)).sort());
      // And every member shows the same timer.
      const truth = trueDeadlineOrRemaining(c.sim, master);
      for (const node of running(c.sim)) expect(Math.abs(trueDeadlineOrRemaining(c.sim, node) - truth)).toBeLessThan(20);
    }
  });

  it("applies every command exactly once, in one order, despite drops and duplicates", () => {
    const conditions = { dropRate: 0.1, minDelayMs: 1, maxDelayMs: 30, duplicateRate: 0.1, reorder: true };
    for (const seed of FEWER_SEEDS) {
      const c = cluster(seed, { conditions });
      settle(c, 5000);
      const kinds = ["start", "pause", "resume", "skip", "pause", "resume"] as const;
      kinds.forEach((kind, i) => {
        c.sim.act(IDS[i % IDS.length]!, (node, now) => node.command({ kind }, now));
        c.sim.runFor(7);
      });
      c.sim.setConditions({ dropRate: 0, duplicateRate: 0 });
      c.sim.runFor(1500);
      const master = settle(c);
      const order = appliedOrder(master);
      expect(new Set(master.appliedCommands.map((entry) => stampKey(entry.stamp))).size, `seed ${seed}`).toBe(kinds.length);
      for (const node of running(c.sim)) expect(appliedOrder(node), `seed ${seed} ${node.id}`).toEqual(order);
      // Reordered heartbeats must not roll anyone's timer back to before the last command.
      const truth = trueDeadlineOrRemaining(c.sim, master);
      for (const node of running(c.sim)) {
        expect(Math.abs(trueDeadlineOrRemaining(c.sim, node) - truth), `seed ${seed} ${node.id}`).toBeLessThan(20);
      }
      expect(c.violations).toEqual([]);
    }
  });

  it("applies a command issued as the master dies exactly once, by the next master", () => {
    for (const seed of SEEDS) {
      const c = cluster(seed);
      const old = settle(c);
      c.sim.act(old.id, (node, now) => node.command({ kind: "start" }, now));
      c.sim.runFor(200);
      const issuer = running(c.sim).find((node) => node.role !== "master")!;
      const { stamp } = c.sim.act(issuer.id, (node, now) => node.command({ kind: "pause" }, now));
      // Kill the master somewhere between "not received yet" and "applied and announced".
      c.sim.runFor(randomInt(c.sim.random, 0, 40));
      c.sim.crash(old.id);
      settle(c);
      c.sim.runFor(500);
      const key = stampKey(stamp);
      for (const node of running(c.sim)) {
        expect(node.appliedCommands.filter((entry) => stampKey(entry.stamp) === key), `seed ${seed} ${node.id}`).toHaveLength(1);
        expect(node.timerAt(c.sim.localNow(node.id)).paused).toBe(true);
      }
      const order = appliedOrder(agreedMaster(running(c.sim))!);
      for (const node of running(c.sim)) expect(appliedOrder(node)).toEqual(order);
    }
  });
});

describe("graceful leave hands over only to a member heard from recently", { timeout: 60_000 }, () => {
  /** The successors a leaving master's output names (handovers are repeated, so deduplicated). */
  const successorsNamed = (out: NodeOutput): NodeId[] => [
    ...new Set(out.messages.flatMap(({ message }) => (message.type === "handover" ? [message.successor] : []))),
  ];

  it("a master elected a moment ago hands over to a live voter, never to the dead master it replaced", () => {
    for (const seed of SEEDS) {
      const c = cluster(seed, { conditions: { minDelayMs: 1, maxDelayMs: 10 } });
      const dead = settle(c);
      c.sim.runFor(200);
      c.sim.crash(dead.id);
      expect(c.sim.runUntil(() => masters(running(c.sim)).length > 0, 2000), `seed ${seed}`).toBe(true);
      // Stopped the instant it wins: its follower records were all created just now, the dead one's too.
      const leaver = masters(running(c.sim))[0]!;
      const leaverTerm = leaver.term;
      const successors = successorsNamed(c.sim.act(leaver.id, (node, now) => node.leave(now)));
      expect(successors, `seed ${seed}`).toHaveLength(1);
      expect(c.sim.stateOf(successors[0]!), `seed ${seed}: successor ${successors[0]}`).toBe("running");
      let stepsWithoutMaster = 0;
      c.sim.onStep(() => {
        if (masters(running(c.sim)).length === 0) stepsWithoutMaster += 1;
      });
      // A live successor takes over within a few message delays; a dead one would hold the group for leaveTimeoutMs.
      expect(c.sim.runUntil(() => leaver.hasLeft, 100), `seed ${seed}`).toBe(true);
      c.sim.crash(leaver.id);
      const next = settle(c, 500);
      expect(next.id, `seed ${seed}`).toBe(successors[0]);
      expect(next.term).toBe(leaverTerm + 1);
      expect(stepsWithoutMaster, `seed ${seed}`).toBe(0);
      expect(c.violations).toEqual([]);
    }
  });

  it("a master that has heard from no one recently leaves at once without a successor, and the others elect as usual", () => {
    for (const seed of SEEDS) {
      const c = cluster(seed, { conditions: { minDelayMs: 1, maxDelayMs: 10 } });
      const old = settle(c);
      c.sim.runFor(200);
      const followers = running(c.sim).filter((node) => node !== old);
      // Frozen (SIGSTOP) long enough that none has acked within an election timeout, but not yet dropped.
      for (const follower of followers) c.sim.freeze(follower.id);
      c.sim.runFor(DEFAULT_ELECTION_CONFIG.electionTimeoutMinMs + 2 * heartbeatMs);
      expect(old.members, `seed ${seed}`).toHaveLength(5);
      const out = c.sim.act(old.id, (node, now) => node.leave(now));
      expect(successorsNamed(out), `seed ${seed}`).toEqual([]);
      expect(old.hasLeft, `seed ${seed}`).toBe(true);
      expect(out.events).toContainEqual({ type: "left" });
      c.sim.crash(old.id);
      for (const follower of followers) c.sim.thaw(follower.id);
      const next = settle(c, 2000);
      expect(next.id).not.toBe(old.id);
      expect(next.term).toBeGreaterThan(old.term);
      expect(c.violations).toEqual([]);
    }
  });
});

describe("membership", { timeout: 60_000 }, () => {
  it("lets nodes join through any member, redirected to the master, then survives losing the master", () => {
    for (const seed of FEWER_SEEDS) {
      const sim = new SimNetwork<ElectionNode>({ seed });
      const c = watched(sim);
      const first = newNode(sim, seed, "n1", 0);
      sim.act("n1", (node, now) => node.bootstrap(now));
      for (const id of IDS.slice(1)) {
        newNode(sim, seed, id, 0);
        // Ask a random existing member, not necessarily the master.
        const contact = IDS[randomInt(sim.random, 0, IDS.indexOf(id) - 1)]!;
        sim.act(id, (node, now) => node.join(addressOf(contact), now));
      }
      expect(sim.runUntil(() => sim.nodes.every(isFullMember), 3000), `seed ${seed}`).toBe(true);
      expect(agreedMaster(sim.nodes)?.id).toBe(first.id);
      sim.crash(first.id);
      const next = settle(c);
      expect(next.id).not.toBe(first.id);
      expect(c.violations).toEqual([]);
      expect(sim.stats.unroutable).toBe(0);
    }
  });

  it("drops a member silent for memberTimeoutMs, and keeps looking for it as lost", () => {
    for (const seed of FEWER_SEEDS) {
      const c = cluster(seed);
      const master = settle(c);
      const victim = IDS.find((id) => id !== master.id)!;
      c.sim.crash(victim);
      c.sim.runFor(DEFAULT_ELECTION_CONFIG.memberTimeoutMs - 100);
      expect(master.members).toHaveLength(5);
      expect(c.sim.runUntil(() => running(c.sim).every((node) => node.members.length === 4), 300), `seed ${seed}`).toBe(true);
      expect(master.members.map((m) => m.id)).not.toContain(victim);
      expect(master.lostMembers.map((m) => m.id)).toEqual([victim]);
    }
  });

  it("a peer that leaves is taken off the list at once", () => {
    for (const seed of FEWER_SEEDS) {
      const c = cluster(seed);
      const master = settle(c);
      const leaver = IDS.find((id) => id !== master.id)!;
      c.sim.act(leaver, (node, now) => node.leave(now));
      c.sim.crash(leaver);
      expect(c.sim.runUntil(() => running(c.sim).every((node) => node.members.length === 4), 200), `seed ${seed}`).toBe(true);
    }
  });

  it("heartbeats at rest leave the member list out; a changed list reaches every follower even when the beats carrying it are lost", () => {
    for (const seed of FEWER_SEEDS) {
      const c = cluster(seed);
      const master = settle(c);
      const [leaver, unlucky] = IDS.filter((id) => id !== master.id);
      const listsTo = new Map<NodeId, number>();
      const beatsTo = new Map<NodeId, number>();
      const acksFrom = new Map<NodeId, number>();
      let toLose = 3;
      let fewestLive = Infinity;
      c.sim.loseWhere((from, to, message) => {
        if (message.type === "heartbeat_ack" && to === master.id) acksFrom.set(from, (acksFrom.get(from) ?? 0) + 1);
        if (message.type !== "heartbeat" || from !== master.id) return false;
        beatsTo.set(to, (beatsTo.get(to) ?? 0) + 1);
        fewestLive = Math.min(fewestLive, message.live.length);
        if (message.members === null) return false;
        listsTo.set(to, (listsTo.get(to) ?? 0) + 1);
        if (to !== unlucky || toLose === 0) return false;
        toLose -= 1;
        return true;
      });
      c.sim.runFor(DEFAULT_ELECTION_CONFIG.clockSamples * 2 * heartbeatMs); // every beat is acked until the clock estimates fill
      listsTo.clear();
      beatsTo.clear();
      acksFrom.clear();
      c.sim.runFor(10 * heartbeatMs);
      expect(beatsTo.get(unlucky!), `seed ${seed}: beats at rest`).toBeGreaterThanOrEqual(8);
      expect([...listsTo.values()], `seed ${seed}: lists at rest`).toEqual([]);
      // Every other beat is acked at rest (ackIntervalMs), which keeps every member in the master's live view.
      const acks = acksFrom.get(unlucky!) ?? 0;
      expect(acks, `seed ${seed}: acks at rest`).toBeGreaterThanOrEqual(Math.floor(beatsTo.get(unlucky!)! / 2) - 1);
      expect(acks, `seed ${seed}: acks at rest`).toBeLessThanOrEqual(Math.ceil(beatsTo.get(unlucky!)! / 2) + 1);
      expect(fewestLive, `seed ${seed}: members live in every beat`).toBe(IDS.length);

      c.sim.act(leaver!, (node, now) => node.leave(now));
      c.sim.crash(leaver!);
      expect(c.sim.runUntil(() => running(c.sim).every((node) => node.members.length === 4), 1000), `seed ${seed}`).toBe(true);
      expect(toLose, `seed ${seed}: the lists lost`).toBe(0);
      for (const node of running(c.sim)) expect(node.members, `seed ${seed}: ${node.id}`).toEqual(master.members);
      // Once every follower's ack shows the new list, the beats leave it out again.
      listsTo.clear();
      c.sim.runFor(5 * heartbeatMs);
      listsTo.clear();
      c.sim.runFor(10 * heartbeatMs);
      expect([...listsTo.values()], `seed ${seed}: lists after the change`).toEqual([]);
      c.sim.loseWhere(null);
    }
  });

  it("after a long partition each side drops the other, then they find each other again without unseating the higher term", () => {
    for (const seed of FEWER_SEEDS) {
      const c = cluster(seed);
      const old = settle(c);
      const minority = [old.id, IDS.find((id) => id !== old.id)!];
      const majoritySide = IDS.filter((id) => !minority.includes(id));
      c.sim.partition(minority, majoritySide);
      c.sim.runFor(3500);
      const majorityMaster = agreedMaster(majoritySide.map((id) => c.sim.node(id)))!;
      expect(majorityMaster, `seed ${seed}`).not.toBeNull();
      expect(majorityMaster.members.map((m) => m.id).sort()).toEqual(majoritySide);
      expect(majorityMaster.lostMembers.map((m) => m.id).sort()).toEqual([...minority].sort());
      // The old master keeps its side going and shrinks its list too: no majority needed.
      expect(old.role).toBe("master");
      expect(old.members.map((m) => m.id).sort()).toEqual([...minority].sort());
      c.sim.heal();
      expect(c.sim.runUntil(() => running(c.sim).every(isFullMember) && agreedMaster(running(c.sim)) !== null, 1000), `seed ${seed}`).toBe(true);
      const final = settle(c, 1000);
      expect(final.id, `seed ${seed}`).toBe(majorityMaster.id);
      expect(final.lostMembers).toEqual([]);
      expect(c.violations).toEqual([]);
      expect(c.sim.stats.unroutable).toBe(0);
    }
  });
});

// Printed once at the end: distributions measured above, in simulated ms.
const failoverReport: number[][] = [];
const jumpReport: number[][] = [];
describe("report", () => {
  it("prints the measured failover times and timer jumps", () => {
    for (const times of failoverReport) console.log(`failover (kill -> new master), ${times.length} seeds: ${summary(times)} ms`);
    for (const jumps of jumpReport) console.log(`deadline jump across failover, ${jumps.length} node-runs: ${summary(jumps)} ms`);
  });
});
