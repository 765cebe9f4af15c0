import { describe, expect, it } from "vitest";
import { InboundGate } from "../../agent/net/inbound-gate.ts";
import { encodeHello, encodeRefusal, parseHello, parseRefusal } from "../../agent/net/handshake.ts";

describe("inbound gate for unauthenticated connections", () => {
  it("closes the oldest of an address over the per-address cap, and the oldest of all over the total", () => {
    const gate = new InboundGate<string>({ perAddress: 2, total: 3 });
    expect(gate.admit("a1", "A")).toEqual([]);
    expect(gate.admit("a2", "A")).toEqual([]);
    expect(gate.admit("a3", "A")).toEqual(["a1"]);
    expect(gate.admit("b1", "B")).toEqual([]);
    expect(gate.waiting).toBe(3);
    expect(gate.admit("c1", "C")).toEqual(["a2"]);
    expect(gate.waiting).toBe(3);
  });

  it("stops counting a connection once it authenticated or closed, so the newest is always let in", () => {
    const gate = new InboundGate<string>({ perAddress: 1, total: 10 });
    gate.admit("old", "A");
    gate.release("old");
    gate.release("old"); // idempotent
    expect(gate.admit("new", "A")).toEqual([]);
    // 600 idle sockets from one address: each newcomer replaces the oldest, the last one stays.
    const flood = new InboundGate<number>({ perAddress: 16, total: 64 });
    for (let socket = 0; socket < 600; socket += 1) flood.admit(socket, "127.0.0.1");
    expect(flood.waiting).toBe(16);
    expect(flood.admit(600, "127.0.0.1")).toEqual([584]);
  });
});

describe("handshake frames", () => {
  it("round-trips a hello and a refusal, and rejects anything else", () => {
    expect(parseHello(encodeHello("abc"))).toBe("abc");
    expect(parseRefusal(encodeRefusal("bad_mac"))).toBe("bad_mac");
    for (const text of ["", "garbage", '{"hello":{"v":1,"challenge":"abc"}}', '{"hello":{"v":2,"challenge":""}}', "[1]", encodeRefusal("bad_mac")]) {
      expect(parseHello(text)).toBeNull();
    }
    expect(parseRefusal(encodeHello("abc"))).toBeNull();
  });
});
