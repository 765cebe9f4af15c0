import { describe, expect, it } from "vitest";
import { MAX_CLIENT_MESSAGE_BYTES, MESSAGE_BURST } from "../../shared/live.ts";
import { PresenceBatcher } from "../../worker/live/presence.ts";
import { takeOnce } from "../../worker/live/replay-guard.ts";
import { MessageBudget, notUtf8, tooBig } from "../../worker/live/socket-limits.ts";

describe("a socket's message budget", () => {
  it("takes a burst, then refills at its rate", () => {
    const budget = new MessageBudget(0, 4, 10);
    expect([1, 2, 3, 4, 5].map(() => budget.take(0))).toEqual([true, true, true, true, false]);
    expect(budget.take(50)).toBe(false); // half a message refilled
    expect(budget.take(100)).toBe(true);
    expect(budget.take(100)).toBe(false);
    expect([0, 1, 2, 3, 4].map(() => budget.take(10_000))).toEqual([true, true, true, true, false]); // never more than the burst
  });

  it("defaults to the shared burst", () => {
    const budget = new MessageBudget(0);
    let taken = 0;
    while (budget.take(0)) taken++;
    expect(taken).toBe(MESSAGE_BURST);
  });

  it("measures text in UTF-8 bytes and binary in bytes", () => {
    expect(tooBig("x".repeat(MAX_CLIENT_MESSAGE_BYTES))).toBe(false);
    expect(tooBig("x".repeat(MAX_CLIENT_MESSAGE_BYTES + 1))).toBe(true);
    expect(tooBig("é".repeat(MAX_CLIENT_MESSAGE_BYTES / 2))).toBe(false);
    expect(tooBig("é".repeat(MAX_CLIENT_MESSAGE_BYTES / 2 + 1))).toBe(true);
    expect(tooBig(new ArrayBuffer(MAX_CLIENT_MESSAGE_BYTES + 1))).toBe(true);
  });

  it("takes text with U+FFFD (how the runtime shows invalid UTF-8) as not UTF-8; its escape and binary frames are not", () => {
    expect(notUtf8(new TextDecoder().decode(new Uint8Array([0x7b, 0xff, 0x7d])))).toBe(true);
    expect(notUtf8('{"type":"ping","x":"\uFFFD"}')).toBe(true);
    expect(notUtf8('{"type":"ping","x":"\\ufffd","y":"é😀"}')).toBe(false);
    expect(notUtf8(new Uint8Array([0xff]).buffer)).toBe(false);
  });
});

describe("presence batches", () => {
  it("goes out at once after a quiet spell, then at most every interval", () => {
    const batcher = new PresenceBatcher(200);
    expect(batcher.delayMs(1000)).toBe(0);
    batcher.flush(["ana"], 1000);
    expect(batcher.delayMs(1050)).toBe(150);
    expect(batcher.delayMs(1300)).toBe(0);
  });

  it("carries the whole list and the net change since the last flush", () => {
    const batcher = new PresenceBatcher(200);
    expect(batcher.flush(["bo", "ana"], 0)).toEqual({ people: ["ana", "bo"], diff: { joined: ["ana", "bo"], left: [] } });
    // cy came and went between flushes: no one needs to hear of it
    expect(batcher.flush(["ana", "dee"], 200)).toEqual({ people: ["ana", "dee"], diff: { joined: ["dee"], left: ["bo"] } });
    expect(batcher.flush(["dee", "ana"], 400)).toEqual({ people: ["ana", "dee"], diff: null });
  });
});

describe("the replay guard", () => {
  it("takes each signed message once per socket, and none signed before the newest taken", () => {
    let taken = takeOnce(undefined, 100, "m1").taken;
    expect(takeOnce(taken, 100, "m1").fresh).toBe(false);
    const same = takeOnce(taken, 100, "m2"); // two messages signed in one millisecond
    expect(same.fresh).toBe(true);
    taken = same.taken;
    expect(takeOnce(taken, 100, "m2").fresh).toBe(false);
    expect(takeOnce(taken, 99, "m0").fresh).toBe(false);
    const later = takeOnce(taken, 101, "m1");
    expect(later).toEqual({ fresh: true, taken: { at: 101, macs: ["m1"] } });
  });
});
