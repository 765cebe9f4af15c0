import { describe, expect, it } from "vitest";
import { EMPTY_QUEUE, enqueue, takeAll, takeSettled } from "../../agent/core/command-queue.ts";
import { stampKey } from "../../shared/lamport.ts";

const cmd = (time: number, nodeId: string) => ({ stamp: { time, nodeId }, command: { kind: "skip" } as const });
const keys = (list: { stamp: { time: number; nodeId: string } }[]) => list.map((c) => stampKey(c.stamp));

describe("command queue", () => {
  it("holds each command for the settle time, then releases in stamp order", () => {
    let queue = enqueue(EMPTY_QUEUE, cmd(7, "b"), 100);
    queue = enqueue(queue, cmd(5, "c"), 108); // issued earlier, arrived later
    queue = enqueue(queue, cmd(7, "a"), 112);
    expect(takeSettled(queue, 119, 20).ready).toEqual([]);
    // 5@c arrived at 108: nothing may pass it before 128, even 7@b that has waited long enough.
    expect(takeSettled(queue, 127, 20).ready).toEqual([]);
    const { ready, rest } = takeSettled(queue, 128, 20);
    expect(keys(ready)).toEqual(["5@c"]);
    expect(keys(takeSettled(rest, 132, 20).ready)).toEqual(["7@a", "7@b"]);
  });

  it("drops a duplicate of a waiting command", () => {
    const queue = enqueue(enqueue(EMPTY_QUEUE, cmd(1, "a"), 0), cmd(1, "a"), 5);
    expect(queue).toHaveLength(1);
  });

  it("takeAll empties everything in stamp order, settled or not", () => {
    const queue = enqueue(enqueue(EMPTY_QUEUE, cmd(9, "a"), 0), cmd(2, "z"), 50);
    expect(keys(takeAll(queue))).toEqual(["2@z", "9@a"]);
  });
});
