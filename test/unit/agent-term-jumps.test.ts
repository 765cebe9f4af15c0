import { describe, expect, it } from "vitest";
import { DEFAULT_ELECTION_CONFIG, ElectionNode } from "../../agent/core/election.ts";
import { memberDigest } from "../../agent/core/member-digest.ts";
import type { Heartbeat, RequestVote } from "../../agent/core/messages.ts";
import { jumpCeiling } from "../../agent/core/jump-ceiling.ts";
import { MAX_LAMPORT, MAX_TERM } from "../../agent/net/message-shape.ts";
import { IDS, agreedMaster, cluster, masters, running, settle, type Cluster } from "../helpers/election-sim.ts";

/**
 * A member holding the team key sends signed messages with terms it chose. Whatever it sends, the
 * honest nodes must never hold a term beyond their ceiling, never keep two masters in one connected
 * group for longer than an election timeout, and be back to one master of their own once it stops.
 */

const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);
const ATTACKER = "mallory";

/** Adds the term invariant to the cluster's watch: checked after every step, on every running member. */
function watchTerms(c: Cluster): void {
  c.sim.onStep((sim) => {
    for (const node of running(sim)) {
      // +1: a member at its ceiling may still campaign once (its own election is not a received term).
      const ceiling = node.termCeilingAt(sim.localNow(node.id)) + 1;
      if (node.term > ceiling) c.violations.push(`t=${sim.now}: ${node.id} at term ${node.term}, above its ceiling ${ceiling}`);
      if (node.term >= MAX_TERM) c.violations.push(`t=${sim.now}: ${node.id} reached MAX_TERM`);
    }
  });
}

/** A heartbeat as a key-holder would forge it: a plausible session, from a master nobody elected. */
function forgedHeartbeat(c: Cluster, term: number): Heartbeat {
  const model = running(c.sim)[0]!;
  const now = c.sim.now;
  const members = [...model.members, { id: ATTACKER, address: "sim://mallory" }];
  return {
    type: "heartbeat",
    term,
    from: ATTACKER,
    lamport: 1,
    sentAt: now,
    echo: null,
    live: [ATTACKER, ...IDS],
    lost: [],
    overridden: [],
    mergeAck: null,
    members,
    membersDigest: memberDigest(members),
    membersVersion: 10_000,
    timer: model.timerAt(now),
    stateVersion: { term, seq: 10_000 },
    stateStamp: null,
    recentCommands: [],
  };
}

function sendToAll(c: Cluster, message: Heartbeat | RequestVote): void {
  for (const node of running(c.sim)) c.sim.act(node.id, (target, now) => target.receive(message, now));
}

function lowestCeiling(c: Cluster): number {
  return Math.min(...running(c.sim).map((node) => node.termCeilingAt(c.sim.localNow(node.id))));
}

describe("jump ceiling (pure)", () => {
  const allowance = { slack: 1000, growthMs: 10 };
  it("allows the slack at once, then one per growthMs, from the anchor and not from the current value", () => {
    expect(jumpCeiling({ value: 7, at: 1000 }, 1000, allowance)).toBe(1007);
    expect(jumpCeiling({ value: 7, at: 1000 }, 1999, allowance)).toBe(1106);
    expect(jumpCeiling({ value: 7, at: 1000 }, 500, allowance)).toBe(1007); // the clock stepped back
  });

  it("leaves centuries before the hard limits at the default allowances", () => {
    const century = 100 * 365 * 24 * 3600_000;
    const { termJumpSlack, termGrowthMs, lamportJumpSlack, lamportGrowthMs } = DEFAULT_ELECTION_CONFIG;
    expect(jumpCeiling({ value: 0, at: 0 }, 3 * century, { slack: termJumpSlack, growthMs: termGrowthMs })).toBeLessThan(MAX_TERM);
    expect(jumpCeiling({ value: 0, at: 0 }, 3 * century, { slack: lamportJumpSlack, growthMs: lamportGrowthMs })).toBeLessThan(MAX_LAMPORT);
  });

  it("refuses a config whose terms could not keep up with elections", () => {
    const make = (config: object) => new ElectionNode({ id: "a", address: "a", now: 0, random: () => 0.5, config });
    expect(() => make({ termGrowthMs: DEFAULT_ELECTION_CONFIG.electionTimeoutMinMs })).toThrow(RangeError);
    expect(() => make({ termJumpSlack: 0 })).toThrow(RangeError);
    expect(() => make({ lamportGrowthMs: 0 })).toThrow(RangeError);
  });
});

describe("a key-holder sending huge terms, 5 nodes, 200 seeds per scenario", { timeout: 120_000 }, () => {
  it("refuses a heartbeat and a vote request at MAX_TERM: nobody moves, the master stays, the refusals are counted", () => {
    for (const seed of SEEDS) {
      const c = cluster(seed);
      watchTerms(c);
      const master = settle(c);
      const term = master.term;
      sendToAll(c, forgedHeartbeat(c, MAX_TERM));
      sendToAll(c, { type: "request_vote", term: MAX_TERM, from: IDS.find((id) => id !== master.id)!, lamport: 1, stateVersion: { term: MAX_TERM, seq: 1 }, stateStamp: null });
      c.sim.runFor(2000);
      expect(agreedMaster(running(c.sim))?.id, `seed ${seed}`).toBe(master.id);
      expect(master.term, `seed ${seed}`).toBe(term);
      for (const node of running(c.sim)) expect(node.refusedTermJumps, `seed ${seed} ${node.id}`).toBe(2);
      expect(c.violations, `seed ${seed}`).toEqual([]);
    }
  });

  it("refuses a message whose Lamport time runs beyond the ceiling, so no member's clock gets near MAX_LAMPORT", () => {
    for (const seed of SEEDS.slice(0, 50)) {
      const c = cluster(seed);
      watchTerms(c);
      const master = settle(c);
      const forged = { ...forgedHeartbeat(c, master.term), lamport: MAX_LAMPORT };
      sendToAll(c, forged);
      c.sim.runFor(1000);
      expect(agreedMaster(running(c.sim))?.id, `seed ${seed}`).toBe(master.id);
      for (const node of running(c.sim)) {
        expect(node.refusedLamportJumps, `seed ${seed} ${node.id}`).toBe(1);
        // Its next message still has room: the clock is where honest traffic took it.
        const { stamp } = c.sim.act(node.id, (target, now) => target.command({ kind: "skip" }, now));
        expect(stamp.time, `seed ${seed}`).toBeLessThan(DEFAULT_ELECTION_CONFIG.lamportJumpSlack);
      }
      expect(c.violations, `seed ${seed}`).toEqual([]);
    }
  });

  it("follows a forged master at the highest term it allows, then recovers to one real master once the forger goes quiet", () => {
    for (const seed of SEEDS) {
      const c = cluster(seed, { conditions: { dropRate: 0.05, maxDelayMs: 20, reorder: true } });
      watchTerms(c);
      settle(c);
      const forgedTerm = lowestCeiling(c);
      sendToAll(c, forgedHeartbeat(c, forgedTerm));
      expect(running(c.sim).every((node) => node.term === forgedTerm && node.masterId === ATTACKER), `seed ${seed}`).toBe(true);
      const master = settle(c, 5000);
      expect(master.term, `seed ${seed}`).toBeGreaterThan(forgedTerm);
      expect(IDS).toContain(master.id);
      expect(c.violations, `seed ${seed}`).toEqual([]);
    }
  });

  it("keeps terms under the ceiling while a forger pushes them every 50 ms for 3 s, and recovers after", () => {
    for (const seed of SEEDS) {
      const c = cluster(seed);
      watchTerms(c);
      settle(c);
      let refusedBefore = 0;
      for (let round = 0; round < 60; round += 1) {
        // Twice its ceiling: always refused. At its ceiling: adopted, but the ceiling does not move with it.
        sendToAll(c, forgedHeartbeat(c, 2 * lowestCeiling(c)));
        sendToAll(c, forgedHeartbeat(c, lowestCeiling(c)));
        c.sim.runFor(50);
      }
      for (const node of running(c.sim)) refusedBefore += node.refusedTermJumps;
      expect(refusedBefore, `seed ${seed}`).toBeGreaterThanOrEqual(60 * IDS.length);
      // 3 s at one term per 10 ms: the forger got the session at most 1000 + 300 terms further.
      const highest = Math.max(...running(c.sim).map((node) => node.term));
      expect(highest, `seed ${seed}`).toBeLessThanOrEqual(DEFAULT_ELECTION_CONFIG.termJumpSlack + (c.sim.now + 1) / DEFAULT_ELECTION_CONFIG.termGrowthMs + 2);
      const master = settle(c, 5000);
      expect(IDS).toContain(master.id);
      expect(c.violations, `seed ${seed}`).toEqual([]);
    }
  });

  it("lets a side back from a long partition in even when it ran many more elections than the slack allows (the ceiling grew meanwhile)", () => {
    // A tight ceiling (2 terms, one more per 250 ms) so the partition outruns the slack within the test.
    const config = { termJumpSlack: 2, termGrowthMs: 250 };
    for (const seed of SEEDS.slice(0, 50)) {
      const c = cluster(seed, { config });
      watchTerms(c);
      const old = settle(c);
      const alone = IDS.filter((id) => id !== old.id);
      c.sim.partition([old.id], alone);
      // The bigger side loses its master again and again: an election each time.
      for (let round = 0; round < 20; round += 1) {
        expect(c.sim.runUntil(() => masters(alone.map((id) => c.sim.node(id))).length === 1, 3000), `seed ${seed}`).toBe(true);
        const current = masters(alone.map((id) => c.sim.node(id)))[0]!;
        c.sim.freeze(current.id);
        c.sim.runFor(700);
        c.sim.thaw(current.id);
      }
      const far = Math.max(...alone.map((id) => c.sim.node(id).term));
      expect(far - old.term, `seed ${seed}`).toBeGreaterThan(config.termJumpSlack);
      c.sim.heal();
      const master = settle(c, 5000);
      expect(master.term, `seed ${seed}`).toBeGreaterThanOrEqual(far);
      expect(c.violations, `seed ${seed}`).toEqual([]);
    }
  });
});
