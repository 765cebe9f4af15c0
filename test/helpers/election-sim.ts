import { expect } from "vitest";
import { DEFAULT_ELECTION_CONFIG, ElectionNode, type ElectionConfig } from "../../agent/core/election.ts";
import type { Member, NodeEvent, NodeId } from "../../agent/core/messages.ts";
import { SimNetwork, type NetworkConditions } from "./sim-network.ts";
import { randomInt, seededRandom } from "../../agent/core/seeded-random.ts";
import { stampKey } from "../../shared/lamport.ts";

/**
 * ElectionNodes on the simulated network, watched at every step for the one invariant the
 * availability-first design keeps (see agent/core/election.ts): two running masters that can talk
 * to each other (same side of any partition) never last longer than an election timeout.
 */

export const IDS = ["n1", "n2", "n3", "n4", "n5"];
export const MIN = 60_000;
/** "An election timeout": two masters in one connected group must be down to one within this. */
export const TWO_MASTERS_MAX_MS = DEFAULT_ELECTION_CONFIG.electionTimeoutMinMs;

export type Sim = SimNetwork<ElectionNode>;

export interface Cluster {
  sim: Sim;
  /** Invariant breaches seen so far. */
  violations: string[];
  /** The longest two masters in one connected group lasted, over the whole run (ms). */
  longestTwoMasters: { ms: number };
}

export const addressOf = (id: NodeId) => `sim://${id}`;

export function newNode(
  sim: Sim,
  seed: number,
  id: NodeId,
  skewMs: number,
  members?: Member[],
  index = IDS.indexOf(id),
  config?: Partial<ElectionConfig>,
): ElectionNode {
  const random = seededRandom(seed * 7919 + index + 1);
  return sim.add(new ElectionNode({ id, address: addressOf(id), now: sim.now + skewMs, random, members, config }), skewMs);
}

/** Nodes that all know the member list (five by default), watched at every step. */
export function cluster(
  seed: number,
  options: { conditions?: Partial<NetworkConditions>; maxSkewMs?: number; ids?: readonly string[]; config?: Partial<ElectionConfig> } = {},
): Cluster {
  const sim = new SimNetwork<ElectionNode>({ seed, conditions: options.conditions });
  const ids = options.ids ?? IDS;
  const members = ids.map((id) => ({ id, address: addressOf(id) }));
  const skew = options.maxSkewMs ?? 0;
  ids.forEach((id, index) => newNode(sim, seed, id, skew > 0 ? randomInt(sim.random, -skew, skew) : 0, members, index, options.config));
  return watched(sim);
}

export function watched(sim: Sim): Cluster {
  const violations: string[] = [];
  const longestTwoMasters = { ms: 0 };
  const since = new Map<string, number>();
  sim.onStep(() => {
    const live = masters(running(sim)).filter((node) => !node.hasLeft);
    const now = new Set<string>();
    for (const a of live) {
      for (const b of live) {
        if (a.id >= b.id || !sim.canTalk(a.id, b.id)) continue;
        const pair = `${a.id}+${b.id}`;
        now.add(pair);
        const from = since.get(pair) ?? sim.now;
        since.set(pair, from);
        longestTwoMasters.ms = Math.max(longestTwoMasters.ms, sim.now - from);
        if (sim.now - from === TWO_MASTERS_MAX_MS + 1) {
          violations.push(`t=${sim.now}: ${a.id} (term ${a.term}) and ${b.id} (term ${b.term}) both master in one connected group for more than ${TWO_MASTERS_MAX_MS} ms`);
        }
      }
    }
    for (const pair of since.keys()) if (!now.has(pair)) since.delete(pair);
  });
  return { sim, violations, longestTwoMasters };
}

export function running(sim: Sim): ElectionNode[] {
  return sim.liveNodes.filter((node) => sim.stateOf(node.id) === "running" && !node.hasLeft);
}

export function masters(nodes: ElectionNode[]): ElectionNode[] {
  return nodes.filter((node) => node.role === "master");
}

/** Exactly one master among `nodes`, and every one of them follows it in its term. */
export function agreedMaster(nodes: ElectionNode[]): ElectionNode | null {
  const [master, ...others] = masters(nodes);
  if (master === undefined || others.length > 0) return null;
  return nodes.every((node) => node.masterId === master.id && node.term === master.term) ? master : null;
}

export function settle(c: Cluster, maxMs = 3000, nodes: () => ElectionNode[] = () => running(c.sim)): ElectionNode {
  expect(c.sim.runUntil(() => agreedMaster(nodes()) !== null, maxMs)).toBe(true);
  return agreedMaster(nodes())!;
}

/** The node's timer deadline on the global clock, so nodes with skewed clocks can be compared. */
export function trueDeadline(sim: Sim, node: ElectionNode): number {
  const endsAt = node.timerAt(sim.localNow(node.id)).endsAt;
  if (endsAt === null) throw new Error(`${node.id} has no running timer`);
  return endsAt - sim.skewOf(node.id);
}

/** A deadline on the global clock, or what is left for a paused timer: comparable across skewed nodes. */
export function trueDeadlineOrRemaining(sim: Sim, node: ElectionNode): number {
  const timer = node.timerAt(sim.localNow(node.id));
  if (timer.phase === "idle") return 0;
  return timer.paused ? (timer.remainingMs ?? 0) : timer.endsAt! - sim.skewOf(node.id);
}

/** Phase, pause and deadline (or time left): what a member's screen shows, comparable across nodes. */
export function timerView(sim: Sim, node: ElectionNode): { phase: string; paused: boolean; at: number } {
  const timer = node.timerAt(sim.localNow(node.id));
  return { phase: timer.phase, paused: timer.paused, at: trueDeadlineOrRemaining(sim, node) };
}

export function appliedOrder(node: ElectionNode): string[] {
  return node.appliedCommands.map((entry) => `${entry.seq}:${stampKey(entry.stamp)}:${entry.command.kind}:${entry.outcome}`);
}

export function appliedKeys(node: ElectionNode): string[] {
  return node.appliedCommands.map((entry) => stampKey(entry.stamp));
}

/** What each node reported last for each command stamp, from the recorded events. */
export function lastReports(sim: Sim): Map<NodeId, Map<string, "applied" | "overridden">> {
  const reports = new Map<NodeId, Map<string, "applied" | "overridden">>();
  const of = (id: NodeId) => reports.get(id) ?? reports.set(id, new Map()).get(id)!;
  for (const { nodeId, event } of sim.events) {
    if (event.type === "command_applied") of(nodeId).set(stampKey(event.entry.stamp), "applied");
    if (event.type === "command_overridden") of(nodeId).set(stampKey(event.overridden.entry.stamp), "overridden");
  }
  return reports;
}

export function eventsOf(sim: Sim, id: NodeId, type: NodeEvent["type"]): NodeEvent[] {
  return sim.events.filter((recorded) => recorded.nodeId === id && recorded.event.type === type).map((recorded) => recorded.event);
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function summary(values: number[]): string {
  return (
    `min ${Math.min(...values)} p50 ${quantile(values, 0.5)} p90 ${quantile(values, 0.9)} ` +
    `p99 ${quantile(values, 0.99)} max ${Math.max(...values)}`
  );
}
