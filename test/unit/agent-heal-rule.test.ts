import { describe, expect, it } from "vitest";
import { compareStates, divergentEntries, laterStamp, outranks } from "../../agent/core/heal-rule.ts";
import type { AppliedCommand } from "../../agent/core/messages.ts";
import { stampKey, type LamportStamp } from "../../shared/lamport.ts";

const stamp = (time: number, nodeId = "a"): LamportStamp => ({ time, nodeId });
const entry = (seq: number, term: number, at: LamportStamp): AppliedCommand => ({ seq, term, stamp: at, command: { kind: "pause" }, outcome: "applied" });
const keys = (entries: AppliedCommand[]) => new Set(entries.map((e) => stampKey(e.stamp)));

describe("the heal rule", () => {
  it("master: the higher term wins, then the lower id", () => {
    expect(outranks({ term: 3, id: "z" }, { term: 2, id: "a" })).toBe(true);
    expect(outranks({ term: 2, id: "a" }, { term: 3, id: "z" })).toBe(false);
    expect(outranks({ term: 2, id: "a" }, { term: 2, id: "b" })).toBe(true);
    expect(outranks({ term: 2, id: "b" }, { term: 2, id: "a" })).toBe(false);
    expect(outranks({ term: 2, id: "a" }, { term: 2, id: "a" })).toBe(false);
  });

  it("timer: the later newest command wins whatever the terms; equal stamps fall back to the state version", () => {
    const early = { stateStamp: stamp(10, "b"), stateVersion: { term: 9, seq: 40 } };
    const late = { stateStamp: stamp(11, "a"), stateVersion: { term: 1, seq: 3 } };
    expect(compareStates(late, early)).toBeGreaterThan(0);
    expect(compareStates(early, late)).toBeLessThan(0);
    // Same time, ties by node id as Lamport order does.
    expect(compareStates({ ...late, stateStamp: stamp(10, "c") }, early)).toBeGreaterThan(0);
    // No command at all is older than any.
    expect(compareStates({ stateStamp: null, stateVersion: { term: 5, seq: 0 } }, early)).toBeLessThan(0);
    expect(compareStates({ stateStamp: null, stateVersion: { term: 5, seq: 0 } }, { stateStamp: null, stateVersion: { term: 4, seq: 9 } })).toBeGreaterThan(0);
    expect(compareStates(early, { ...early })).toBe(0);
    expect(compareStates({ ...early, stateVersion: { term: 9, seq: 41 } }, early)).toBeGreaterThan(0);
    expect(laterStamp(null, stamp(1))).toEqual(stamp(1));
    expect(laterStamp(stamp(2), stamp(1))).toEqual(stamp(2));
  });

  it("overridden: what only the losing history has after the last shared entry", () => {
    const shared = [entry(1, 1, stamp(1)), entry(2, 1, stamp(5))];
    const loser = [...shared, entry(3, 1, stamp(8, "b")), entry(4, 1, stamp(9, "b"))];
    const winner = [...shared, entry(3, 2, stamp(12, "c"))];
    expect(divergentEntries(loser, keys(winner)).map((e) => e.seq)).toEqual([3, 4]);
    expect(divergentEntries(winner, keys(loser)).map((e) => stampKey(e.stamp))).toEqual(["12@c"]);
    // The same history, one of them behind: nothing is overridden.
    expect(divergentEntries(shared, keys(loser))).toEqual([]);
    // An entry the winner got later anyway (a command resent to both sides) is not overridden.
    expect(divergentEntries([...loser, entry(5, 1, stamp(12, "c"))], keys(winner)).map((e) => e.seq)).toEqual([3, 4]);
    // Nothing shared in what the winner sent: every entry it lacks counts.
    expect(divergentEntries(loser, keys([entry(9, 3, stamp(30, "d"))]))).toHaveLength(4);
  });
});
