import { describe, expect, it } from "vitest";
import type { Member, Message, NodeOutput } from "../../agent/core/messages.ts";
import { SimNetwork, type NetworkConditions } from "../helpers/sim-network.ts";

/** A node that records what it receives and sends whatever it is told to, as "command" messages numbered by `lamport`. */
class Recorder {
  readonly id: string;
  readonly address: string;
  readonly received: { at: number; n: number; from: string }[] = [];
  readonly ticks: number[] = [];
  members: Member[] = [];
  constructor(id: string) {
    this.id = id;
    this.address = `sim://${id}`;
  }
  addressOf(id: string): string | null {
    return this.members.find((member) => member.id === id)?.address ?? null;
  }
  tick(now: number): NodeOutput {
    this.ticks.push(now);
    return { messages: [], events: [] };
  }
  receive(message: Message, now: number): NodeOutput {
    this.received.push({ at: now, n: message.lamport, from: message.from });
    return { messages: [], events: [] };
  }
  send(to: string, n: number): NodeOutput {
    const message: Message = { type: "leave", term: 0, from: this.id, lamport: n };
    return { messages: [{ to, message }], events: [] };
  }
}

function network(conditions: Partial<NetworkConditions>, seed = 1) {
  const sim = new SimNetwork<Recorder>({ seed, startAt: 0, conditions });
  const ids = ["a", "b", "c"];
  const nodes = ids.map((id) => sim.add(new Recorder(id), id === "b" ? 5000 : 0));
  for (const node of nodes) node.members = nodes.map(({ id, address }) => ({ id, address }));
  return { sim, a: nodes[0]!, b: nodes[1]!, c: nodes[2]! };
}

describe("SimNetwork", () => {
  it("delivers within the delay range and gives each node its skewed clock", () => {
    const { sim, a, b } = network({ minDelayMs: 3, maxDelayMs: 7 });
    for (let n = 1; n <= 50; n += 1) sim.act("a", (node) => node.send("b", n));
    sim.runFor(10);
    expect(b.received).toHaveLength(50);
    for (const { at } of b.received) expect(at - 5000).toBeGreaterThanOrEqual(3);
    for (const { at } of b.received) expect(at - 5000).toBeLessThanOrEqual(7);
    expect(a.ticks.at(-1)).toBe(10);
    expect(b.ticks.at(-1)).toBe(5010);
  });

  it("reorders with independent delays, keeps FIFO order when reordering is off", () => {
    const order = (reorder: boolean) => {
      const { sim, b } = network({ minDelayMs: 1, maxDelayMs: 30, reorder });
      for (let n = 1; n <= 100; n += 1) sim.act("a", (node) => node.send("b", n));
      sim.runFor(50);
      return b.received.map(({ n }) => n);
    };
    const fifo = order(false);
    expect(fifo).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(order(true)).not.toEqual(fifo);
    expect([...order(true)].sort((x, y) => x - y)).toEqual(fifo);
  });

  it("drops and duplicates at about the configured rates", () => {
    const { sim, b } = network({ dropRate: 0.2, duplicateRate: 0.1 });
    for (let n = 1; n <= 2000; n += 1) sim.act("a", (node) => node.send("b", n));
    sim.runFor(20);
    const copies = b.received.length;
    // Each send gives 1 or 2 copies, each lost with p = 0.2: 2000 * 1.1 * 0.8 = 1760 expected.
    expect(copies).toBeGreaterThan(1650);
    expect(copies).toBeLessThan(1870);
    expect(new Set(b.received.map(({ n }) => n)).size).toBeLessThan(copies);
  });

  it("cuts links across a partition, including messages already in flight", () => {
    const { sim, b, c } = network({ minDelayMs: 5, maxDelayMs: 5 });
    sim.act("a", (node) => node.send("b", 1));
    sim.partition(["a", "c"], ["b"]);
    sim.act("a", (node) => node.send("c", 2));
    sim.runFor(10);
    expect(b.received).toEqual([]);
    expect(c.received.map(({ n }) => n)).toEqual([2]);
    sim.heal();
    sim.act("a", (node) => node.send("b", 3));
    sim.runFor(10);
    expect(b.received.map(({ n }) => n)).toEqual([3]);
  });

  it("holds messages for a frozen node and delivers them before its first tick after thaw", () => {
    const { sim, b } = network({ minDelayMs: 1, maxDelayMs: 1 });
    sim.freeze("b");
    sim.act("a", (node) => node.send("b", 1));
    sim.runFor(100);
    expect(b.received).toEqual([]);
    const ticksWhileFrozen = b.ticks.length;
    sim.thaw("b");
    sim.step();
    expect(b.received.map(({ n }) => n)).toEqual([1]);
    expect(b.ticks.length).toBe(ticksWhileFrozen + 1);
    expect(b.received[0]!.at).toBe(b.ticks.at(-1));
  });

  it("loses messages to a crashed node and never ticks it again", () => {
    const { sim, b } = network({});
    sim.crash("b");
    const ticks = b.ticks.length;
    sim.act("a", (node) => node.send("b", 1));
    sim.runFor(50);
    expect(b.received).toEqual([]);
    expect(b.ticks.length).toBe(ticks);
    expect(sim.liveNodes.map((node) => node.id)).toEqual(["a", "c"]);
  });

  it("counts messages to ids the sender cannot resolve, as a real shell could not send them", () => {
    const { sim } = network({});
    sim.act("a", (node) => node.send("nobody", 1));
    expect(sim.stats.unroutable).toBe(1);
  });
});
