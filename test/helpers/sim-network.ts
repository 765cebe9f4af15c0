/**
 * A deterministic simulated network for testing the agent core: N nodes, one global simulated
 * time, a fixed clock skew per node, and links that drop, delay, duplicate and reorder messages or
 * are cut by partitions, all driven by one seeded PRNG. The same seed replays the same run exactly,
 * so a failing seed is a reproducible bug report.
 *
 * Each step of `stepMs`: due messages are delivered (oldest first), then every running node ticks,
 * then observers run (the place to check invariants "at every step"). Messages travel as JSON, as
 * they would on a real wire, so no node can share an object with another.
 */
import type { Envelope, Member, Message, NodeEvent, NodeId, NodeOutput } from "../../agent/core/messages.ts";
import { seededRandom } from "../../agent/core/seeded-random.ts";

/** What the network needs from a node; ElectionNode fits. */
export interface SimulatedNode {
  readonly id: NodeId;
  readonly address: string;
  /** Whom "all" reaches: these, minus the sender. */
  readonly members: readonly Member[];
  /** How the sender resolves a node id; the network only knows addresses, as a real shell would. */
  addressOf(id: NodeId): string | null;
  tick(now: number): NodeOutput;
  receive(message: Message, now: number): NodeOutput;
}

export interface NetworkConditions {
  /** Probability that a message (each copy) is lost. */
  readonly dropRate: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Probability that a message is delivered twice (the copy has its own delay). */
  readonly duplicateRate: number;
  /** Independent delays reorder messages; false keeps each link first-in first-out, like TCP. */
  readonly reorder: boolean;
}

export const DEFAULT_CONDITIONS: NetworkConditions = Object.freeze({
  dropRate: 0,
  minDelayMs: 1,
  maxDelayMs: 10,
  duplicateRate: 0,
  reorder: true,
});

export interface SimNetworkOptions {
  readonly seed: number;
  /** Global time at the start, epoch ms. */
  readonly startAt?: number;
  readonly stepMs?: number;
  readonly conditions?: Partial<NetworkConditions>;
}

/** running: ticks and receives; frozen (SIGSTOP): neither, messages wait for it; crashed: gone, messages to it are lost. */
export type NodeRunState = "running" | "frozen" | "crashed";

export interface RecordedEvent {
  /** Global simulated time. */
  readonly at: number;
  readonly nodeId: NodeId;
  readonly event: NodeEvent;
}

export interface NetworkStats {
  sent: number;
  /** Addressed to an id or address that the sender could not resolve to a node. */
  unroutable: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

interface InFlight {
  readonly deliverAt: number;
  readonly seq: number;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly wire: string;
}

interface Slot<N> {
  readonly node: N;
  readonly skewMs: number;
  state: NodeRunState;
}

export class SimNetwork<N extends SimulatedNode> {
  /** The network's PRNG; tests may draw from it too (e.g. for skews) and stay reproducible. */
  readonly random: () => number;
  readonly stepMs: number;
  readonly events: RecordedEvent[] = [];
  readonly stats: NetworkStats = { sent: 0, unroutable: 0, delivered: 0, dropped: 0, duplicated: 0 };
  #now: number;
  #conditions: NetworkConditions;
  readonly #slots = new Map<NodeId, Slot<N>>();
  readonly #byAddress = new Map<string, NodeId>();
  /** Sorted by (deliverAt, seq). */
  #inFlight: InFlight[] = [];
  /** Messages that came due while their receiver was frozen, in arrival order. */
  #held: InFlight[] = [];
  #seq = 0;
  #partitionOf: Map<NodeId, number> | null = null;
  readonly #lastDeliveryOnLink = new Map<string, number>();
  readonly #observers: ((sim: SimNetwork<N>) => void)[] = [];
  #lose: ((from: NodeId, to: NodeId, message: Message) => boolean) | null = null;

  constructor(options: SimNetworkOptions) {
    this.random = seededRandom(options.seed);
    this.#now = options.startAt ?? 1_700_000_000_000;
    this.stepMs = options.stepMs ?? 1;
    this.#conditions = { ...DEFAULT_CONDITIONS, ...options.conditions };
  }

  /** Global simulated time. */
  get now(): number {
    return this.#now;
  }

  get conditions(): NetworkConditions {
    return this.#conditions;
  }

  /** Adds a node whose clock reads global time + `skewMs`. Create it with `sim.now + skewMs` as its clock. */
  add(node: N, skewMs = 0): N {
    this.#slots.set(node.id, { node, skewMs, state: "running" });
    this.#byAddress.set(node.address, node.id);
    return node;
  }

  node(id: NodeId): N {
    return this.#slot(id).node;
  }

  /** Every node ever added, crashed ones included, in the order added. */
  get nodes(): N[] {
    return [...this.#slots.values()].map((slot) => slot.node);
  }

  /** Nodes that are not crashed (frozen ones included: they are alive, just not scheduled). */
  get liveNodes(): N[] {
    return [...this.#slots.values()].filter((slot) => slot.state !== "crashed").map((slot) => slot.node);
  }

  stateOf(id: NodeId): NodeRunState {
    return this.#slot(id).state;
  }

  skewOf(id: NodeId): number {
    return this.#slot(id).skewMs;
  }

  /** What node `id`'s clock reads now. */
  localNow(id: NodeId): number {
    return this.#now + this.#slot(id).skewMs;
  }

  setConditions(conditions: Partial<NetworkConditions>): void {
    this.#conditions = { ...this.#conditions, ...conditions };
  }

  /** Only nodes in the same group can talk; nodes not listed form one more group together. Messages in flight across the cut are lost. */
  partition(...groups: NodeId[][]): void {
    this.#partitionOf = new Map();
    groups.forEach((group, index) => group.forEach((id) => this.#partitionOf!.set(id, index)));
  }

  heal(): void {
    this.#partitionOf = null;
  }

  canTalk(a: NodeId, b: NodeId): boolean {
    if (this.#partitionOf === null) return true;
    return (this.#partitionOf.get(a) ?? -1) === (this.#partitionOf.get(b) ?? -1);
  }

  crash(id: NodeId): void {
    this.#slot(id).state = "crashed";
  }

  /** Like SIGSTOP: the node neither ticks nor receives; messages to it queue up until thaw. */
  freeze(id: NodeId): void {
    this.#slot(id).state = "frozen";
  }

  /** Like SIGCONT: held messages are delivered at the next step, before its first tick. */
  thaw(id: NodeId): void {
    this.#slot(id).state = "running";
  }

  /** Runs something on a node now, on its clock (a user command, leave(), join()…), and sends what it outputs. */
  act<O extends NodeOutput>(id: NodeId, action: (node: N, localNow: number) => O): O {
    const output = action(this.node(id), this.localNow(id));
    this.#handleOutput(id, output);
    return output;
  }

  onStep(observer: (sim: SimNetwork<N>) => void): void {
    this.#observers.push(observer);
  }

  /** Steps until global time reaches `untilMs`. */
  run(untilMs: number): void {
    while (this.#now + this.stepMs <= untilMs) this.step();
  }

  runFor(ms: number): void {
    this.run(this.#now + ms);
  }

  /** Steps until `done()` holds (checked after each step) or `maxMs` pass; answers whether it held. */
  runUntil(done: () => boolean, maxMs: number): boolean {
    const deadline = this.#now + maxMs;
    while (this.#now + this.stepMs <= deadline) {
      this.step();
      if (done()) return true;
    }
    return done();
  }

  step(): void {
    this.#now += this.stepMs;
    this.#deliverDue();
    for (const [id, slot] of this.#slots) {
      if (slot.state === "running") this.#handleOutput(id, slot.node.tick(this.#now + slot.skewMs));
    }
    for (const observer of this.#observers) observer(this);
  }

  #deliverDue(): void {
    const due: InFlight[] = [];
    const stillHeld: InFlight[] = [];
    for (const message of this.#held) (this.#slots.get(message.to)?.state === "frozen" ? stillHeld : due).push(message);
    this.#held = stillHeld;
    let count = 0;
    while (count < this.#inFlight.length && this.#inFlight[count]!.deliverAt <= this.#now) count += 1;
    due.push(...this.#inFlight.splice(0, count));
    for (const message of due) {
      const slot = this.#slots.get(message.to);
      if (slot === undefined || slot.state === "crashed" || !this.canTalk(message.from, message.to)) {
        this.stats.dropped += 1;
      } else if (slot.state === "frozen") {
        this.#held.push(message);
      } else {
        this.stats.delivered += 1;
        this.#handleOutput(message.to, slot.node.receive(JSON.parse(message.wire) as Message, this.#now + slot.skewMs));
      }
    }
  }

  #handleOutput(from: NodeId, output: NodeOutput): void {
    for (const event of output.events) this.events.push({ at: this.#now, nodeId: from, event });
    for (const envelope of output.messages) this.#send(from, envelope);
  }

  #send(from: NodeId, envelope: Envelope): void {
    const wire = JSON.stringify(envelope.message);
    for (const to of this.#resolve(from, envelope)) {
      this.stats.sent += 1;
      this.#transmit(from, to, wire);
      if (this.random() < this.#conditions.duplicateRate) {
        this.stats.duplicated += 1;
        this.#transmit(from, to, wire);
      }
    }
  }

  #resolve(from: NodeId, envelope: Envelope): NodeId[] {
    const sender = this.#slot(from).node;
    const { to } = envelope;
    const addresses =
      to === "all"
        ? sender.members.filter((member) => member.id !== from).map((member) => member.address)
        : typeof to === "string"
          ? [sender.addressOf(to)]
          : [to.address];
    const targets: NodeId[] = [];
    for (const address of addresses) {
      const id = address === null ? undefined : this.#byAddress.get(address);
      if (id === undefined) this.stats.unroutable += 1;
      else targets.push(id);
    }
    return targets;
  }

  /** Loses every message `lose` picks (each copy, before the random conditions apply); null stops that. */
  loseWhere(lose: ((from: NodeId, to: NodeId, message: Message) => boolean) | null): void {
    this.#lose = lose;
  }

  #transmit(from: NodeId, to: NodeId, wire: string): void {
    const { dropRate, minDelayMs, maxDelayMs, reorder } = this.#conditions;
    if (this.#lose?.(from, to, JSON.parse(wire) as Message) === true) {
      this.stats.dropped += 1;
      return;
    }
    if (this.random() < dropRate) {
      this.stats.dropped += 1;
      return;
    }
    let deliverAt = this.#now + minDelayMs + Math.floor(this.random() * (maxDelayMs - minDelayMs + 1));
    if (!reorder) {
      const link = `${from}>${to}`;
      deliverAt = Math.max(deliverAt, this.#lastDeliveryOnLink.get(link) ?? 0);
      this.#lastDeliveryOnLink.set(link, deliverAt);
    }
    const message: InFlight = { deliverAt, seq: this.#seq++, from, to, wire };
    // Binary search for the insertion point keeps the queue sorted by (deliverAt, seq).
    let low = 0;
    let high = this.#inFlight.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#inFlight[mid]!.deliverAt <= deliverAt) low = mid + 1;
      else high = mid;
    }
    this.#inFlight.splice(low, 0, message);
  }

  #slot(id: NodeId): Slot<N> {
    const slot = this.#slots.get(id);
    if (slot === undefined) throw new Error(`no node ${id} in the simulation`);
    return slot;
  }
}
