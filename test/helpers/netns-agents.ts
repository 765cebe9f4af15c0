import type { AgentStatus } from "../../agent/status-report.ts";
import { waitUntil, type Agent, type AgentCluster } from "./agents.ts";
import type { NetHost, NetLab } from "./netns.ts";

/**
 * Real agents on the hosts of a namespace lab (test/helpers/netns.ts), one per host, and the views
 * partition tests and the partition bench judge them by: who is master in a group, whether a group
 * shows one timer, how long a heal takes. Status requests go from this process (root namespace, over
 * the lab's bridge), which no partition cuts.
 */

export interface LabAgent {
  readonly agent: Agent;
  readonly host: NetHost;
}

/** Starts a session on the first host (`start` with `startArgs`) and joins one agent per further host through it. */
export async function startAgentsInLab(cluster: AgentCluster, lab: NetLab, names: readonly string[], startArgs: string[] = []): Promise<LabAgent[]> {
  if (names.length > lab.hosts.length) throw new Error(`${names.length} agents but the lab has ${lab.hosts.length} hosts`);
  const placed = names.map((name, index) => ({ name, host: lab.hosts[index]! }));
  const spawnOptions = (host: NetHost) => ({ commandPrefix: lab.commandPrefix(host), host: host.address });
  const first = await cluster.start(placed[0]!.name, startArgs, spawnOptions(placed[0]!.host));
  const rest = await Promise.all(placed.slice(1).map(({ name, host }) => cluster.join(name, first, [], spawnOptions(host))));
  return [first, ...rest].map((agent, index) => ({ agent, host: placed[index]!.host }));
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
export function oneView(statuses: readonly AgentStatus[], members: number, spreadMs: number): { master: string; term: number; endsAt: number; spreadMs: number } | null {
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
  options: { readonly members: number; readonly spreadMs: number; readonly timeoutMs: number },
): Promise<{ master: string; term: number; endsAt: number; spreadMs: number; at: number; statuses: AgentStatus[] }> {
  return waitUntil(
    async () => {
      const statuses = await cluster.statuses(agents);
      const view = oneView(statuses, options.members, options.spreadMs);
      return view === null ? null : { ...view, at: Date.now(), statuses };
    },
    options.timeoutMs,
    `${agents.map((agent) => agent.name).join(",")} to show one master, ${options.members} members and one deadline (spread <= ${options.spreadMs} ms)`,
    1,
  );
}

/**
 * Waits until each group of a partition runs on its own: one master per group that every member of
 * the group follows, the timer running (or paused) there, and every member out of the group dropped
 * from the list (so each side truly works alone, as after a real partition of a few seconds).
 */
export async function waitForSides(cluster: AgentCluster, groups: readonly (readonly Agent[])[], timeoutMs: number): Promise<AgentStatus[][]> {
  return waitUntil(
    async () => {
      const sides = await Promise.all(groups.map((group) => cluster.statuses(group)));
      const alone = sides.every(
        (statuses, index) => oneMaster(statuses) !== null && statuses.every((status) => status.members.length === groups[index]!.length && status.phase !== "idle"),
      );
      return alone && sides;
    },
    timeoutMs,
    `each side (${groups.map((group) => group.map((agent) => agent.name).join(",")).join(" | ")}) to run alone with its own master`,
  );
}
