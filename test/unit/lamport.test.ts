import { describe, expect, it } from "vitest";
import { compareStamps, LamportClock, stampKey, type LamportStamp } from "../../shared/lamport.ts";

describe("LamportClock", () => {
  it("ticks up by one for each local event or send", () => {
    const clock = new LamportClock();
    expect(clock.tick()).toBe(1);
    expect(clock.tick()).toBe(2);
    expect(clock.time).toBe(2);
  });

  it("jumps past a larger remote time on receive", () => {
    const clock = new LamportClock(3);
    expect(clock.receive(10)).toBe(11);
  });

  it("still moves forward when the remote time is behind", () => {
    const clock = new LamportClock(10);
    expect(clock.receive(2)).toBe(11);
    expect(clock.receive(11)).toBe(12);
  });

  it("orders a reply after the message that caused it", () => {
    const a = new LamportClock();
    const b = new LamportClock(50);
    const sent = a.tick();
    const received = b.receive(sent);
    const reply = b.tick();
    expect(a.receive(reply)).toBeGreaterThan(reply);
    expect(received).toBeGreaterThan(sent);
  });
});

describe("compareStamps", () => {
  const at = (time: number, nodeId: string): LamportStamp => ({ time, nodeId });

  it("orders by time first", () => {
    expect(compareStamps(at(1, "z"), at(2, "a"))).toBeLessThan(0);
    expect(compareStamps(at(3, "a"), at(2, "z"))).toBeGreaterThan(0);
  });

  it("breaks ties by node id, by code unit rather than locale", () => {
    expect(compareStamps(at(5, "a"), at(5, "b"))).toBeLessThan(0);
    expect(compareStamps(at(5, "B"), at(5, "a"))).toBeLessThan(0);
    expect(compareStamps(at(5, "n1"), at(5, "n1"))).toBe(0);
  });

  it("is a total order: sorting any shuffle gives the same sequence", () => {
    const stamps = [at(2, "b"), at(1, "c"), at(2, "a"), at(1, "a"), at(3, "a")];
    const sorted = [...stamps].sort(compareStamps).map(stampKey);
    expect(sorted).toEqual(["1@a", "1@c", "2@a", "2@b", "3@a"]);
    expect([...stamps].reverse().sort(compareStamps).map(stampKey)).toEqual(sorted);
  });
});
