import type { AgentStatus } from "../../agent/status-report.ts";
import { waitUntil, type Agent, type AgentCluster } from "./agents.ts";
import { oneMaster, waitForOneView, type OneView } from "./agent-views.ts";
import type { NetHost, NetLab } from "./netns.ts";

/**
 * Real agents on the hosts of a namespace lab (test/helpers/netns.ts), one per host: starting them,
 * waiting for each side of a partition to run alone, and timing a heal. Status requests go from this
 * process (root namespace, over the lab's bridge), which no partition cuts.
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

/**
 * Removes every cut and waits for `agents` to show one view (one master, `members` members, every
 * ends_at within `spreadMs`). `healMs` counts from just before the rules are removed, so it includes
 * the iptables calls (a few ms); `masterMs` likewise until one master with all members was first
 * seen, whatever the deadlines; `onHealed` runs once the rules are gone.
 */
export async function healAndWait(
  cluster: AgentCluster,
  lab: NetLab,
  agents: readonly Agent[],
  options: { readonly members: number; readonly spreadMs: number; readonly timeoutMs: number; readonly onHealed?: () => void },
): Promise<OneView & { readonly healMs: number; readonly masterMs: number }> {
  const startedAt = Date.now();
  await lab.heal();
  options.onHealed?.();
  let masterAt: number | null = null;
  const onStatuses = (statuses: AgentStatus[]) => {
    if (masterAt === null && oneMaster(statuses) !== null && statuses.every((status) => status.members.length === options.members)) masterAt = Date.now();
  };
  const view = await waitForOneView(cluster, agents, { ...options, onStatuses });
  return { ...view, healMs: view.at - startedAt, masterMs: (masterAt ?? view.at) - startedAt };
}
