import type { AgentStatus } from "../../agent/status-report.ts";
import { waitUntil, type Agent, type AgentCluster } from "./agents.ts";

/**
 * What tests and benches judge a group of agents by, from their `status` answers: who is master,
 * and whether the group shows one timer (all agents here read one machine clock, so their deadlines
 * compare directly).
 */

/** A group that agrees: its master and term, the earliest deadline and how far the others are from it. */
export interface OneView {
  readonly master: string;
  readonly term: number;
  readonly endsAt: number;
  readonly spreadMs: number;
  /** When it was first seen (Date.now() here). */
  readonly at: number;
  readonly statuses: AgentStatus[];
}

/** The one master every status names (same id and term, and it says it is master), or null. */
export function oneMaster(statuses: readonly AgentStatus[]): string | null {
  const masters = statuses.filter((status) => status.role === "master");
  if (masters.length !== 1) return null;
  const { node_id: master, term } = masters[0]!;
  return statuses.every((status) => status.master === master && status.term === term) ? master : null;
}

export function spread(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}

/** How many of `statuses` say they are master. */
export function masterCount(statuses: readonly AgentStatus[]): number {
  return statuses.filter((status) => status.role === "master").length;
}

/**
 * The group's single view, if it has one: one master, `members` members everywhere, a running timer
 * and every ends_at within `spreadMs` (all agents read one machine clock, so deadlines compare).
 */
export function oneView(statuses: readonly AgentStatus[], members: number, spreadMs: number): Omit<OneView, "at" | "statuses"> | null {
  const master = oneMaster(statuses);
  if (master === null) return null;
  if (!statuses.every((status) => status.members.length === members && status.ends_at !== null)) return null;
  const deadlines = statuses.map((status) => status.ends_at!);
  const within = spread(deadlines);
  if (within > spreadMs) return null;
  return { master, term: statuses[0]!.term, endsAt: Math.min(...deadlines), spreadMs: within };
}

/**
 * Waits until `agents` show one view (see oneView) and returns it with the time it was first seen,
 * polling as fast as status answers come back. The statuses are asked for in parallel, so one round
 * takes a few ms on this machine.
 */
export async function waitForOneView(
  cluster: AgentCluster,
  agents: readonly Agent[],
  options: { readonly members: number; readonly spreadMs: number; readonly timeoutMs: number; readonly onStatuses?: (statuses: AgentStatus[]) => void },
): Promise<OneView> {
  return waitUntil(
    async () => {
      const statuses = await cluster.statuses(agents);
      options.onStatuses?.(statuses);
      const view = oneView(statuses, options.members, options.spreadMs);
      return view === null ? null : { ...view, at: Date.now(), statuses };
    },
    options.timeoutMs,
    `${agents.map((agent) => agent.name).join(",")} to show one master, ${options.members} members and one deadline (spread <= ${options.spreadMs} ms)`,
    1,
  );
}

