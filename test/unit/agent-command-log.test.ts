import { describe, expect, it } from "vitest";
import { CommandLog } from "../../agent/core/command-log.ts";
import { stampKey } from "../../shared/lamport.ts";
import type { AppliedCommand, OverriddenCommand } from "../../agent/core/messages.ts";

function entry(time: number, nodeId = "a", seq = time): AppliedCommand {
  return { seq, term: 1, stamp: { time, nodeId }, command: { kind: "pause" }, outcome: "applied" };
}
const overriddenBy = (applied: AppliedCommand): OverriddenCommand => ({ entry: applied, mergedBy: "m", term: 2 });
const times = (log: CommandLog) => log.entries.map((e) => e.stamp.time);

describe("the command log", () => {
  it("adds each stamp once, reporting it once, and remembers it was applied", () => {
    const log = new CommandLog();
    expect(log.add(entry(1))).toBe(true);
    expect(log.add(entry(1))).toBe(false);
    expect(log.add(entry(2))).toBe(true);
    expect(times(log)).toEqual([1, 2]);
    expect(log.wasApplied(stampKey(entry(2).stamp))).toBe(true);
    expect(log.wasApplied(stampKey(entry(3).stamp))).toBe(false);
    expect(log.recent(1)).toEqual([entry(2)]);
  });

  it("an overridden command leaves the entries, is reported once, and no longer counts as our history", () => {
    const log = new CommandLog();
    log.add(entry(1));
    log.add(entry(2));
    expect(log.markOverridden(overriddenBy(entry(1)))).toBe(true);
    expect(log.markOverridden(overriddenBy(entry(1)))).toBe(false);
    expect(times(log)).toEqual([2]);
    expect(log.wasApplied(stampKey(entry(1).stamp))).toBe(true);
    expect([...log.appliedNotOverridden()]).toEqual([stampKey(entry(2).stamp)]);
    // Applied again by a later merge: news again.
    expect(log.add(entry(1))).toBe(true);
  });

  it("takes the master's order for its latest entries, and moves nothing when ours already end with them", () => {
    const log = new CommandLog();
    for (const time of [1, 2, 3]) log.add(entry(time));
    log.makeRoomAtEnd([entry(2), entry(3), entry(4)]);
    expect(times(log)).toEqual([1, 2, 3]);
    log.makeRoomAtEnd([entry(3), entry(1)]);
    for (const latest of [entry(3), entry(1)]) log.add(latest);
    expect(times(log)).toEqual([2, 3, 1]);
  });

  it("keeps the latest 256 entries and 32 overridden records, each once and none still in effect", () => {
    const log = new CommandLog();
    for (let time = 1; time <= 300; time++) log.add(entry(time));
    expect(log.size).toBe(256);
    expect(log.entries[0]!.stamp.time).toBe(45);
    const records = Array.from({ length: 40 }, (_, i) => overriddenBy(entry(1000 + i)));
    log.keepOverridden(records);
    log.keepOverridden([records[39]!, overriddenBy(entry(300))]);
    expect(log.overridden.map((r) => r.entry.stamp.time)).toEqual(Array.from({ length: 32 }, (_, i) => 1008 + i));
    log.replaceOverridden([records[0]!]);
    expect(log.overridden).toEqual([records[0]]);
  });
});
