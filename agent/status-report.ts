/**
 * What `groupsync-agent status` shows: a plain JSON object built from the node and the shell's
 * counters, and its human-readable rendering. Times are epoch ms on the agent's clock; the CLI
 * translates them when it talks to an agent on another machine (see commands/timer.ts).
 */
import type { ElectionNode } from "./core/election.ts";
import type { Member } from "./core/messages.ts";
import { remaining, type Phase } from "../shared/pomodoro.ts";
import type { DropSnapshot } from "./net/drop-counters.ts";
import type { LinkStats } from "./net/outgoing-links.ts";
import { formatDuration, formatClockTime } from "./time-format.ts";

export interface LastTick {
  readonly from: string;
  readonly term: number;
  readonly phase: Phase;
  readonly paused: boolean;
  /** On the sender's (the master's) clock. */
  readonly ends_at: number | null;
  readonly age_ms: number;
}

export interface AgentStatus {
  readonly node_id: string;
  readonly address: string;
  readonly tcp_port: number;
  readonly udp_port: number;
  readonly membership: "detached" | "joining" | "member" | "left";
  readonly role: "master" | "peer";
  /** A peer asking for votes right now. */
  readonly campaigning: boolean;
  readonly term: number;
  readonly master: string | null;
  readonly members: readonly Member[];
  /** Members dropped for silence that the master still looks for (the other side of a partition, or dead). */
  readonly lost: readonly Member[];
  readonly phase: Phase;
  readonly paused: boolean;
  readonly remaining_ms: number;
  /** When the phase ends, epoch ms on the agent's clock; null when idle or paused. */
  readonly ends_at: number | null;
  readonly completed_focus_rounds: number;
  /** The goal id the session is for (start --goal); null for none (absent from an agent older than it). */
  readonly goal?: string | null;
  readonly settings: { readonly focus_ms: number; readonly short_break_ms: number; readonly long_break_ms: number; readonly long_break_every: number };
  /** The master's clock minus this agent's, as estimated from heartbeats; 0 on the master. */
  readonly offset_to_master_ms: number | null;
  readonly last_heartbeat_ms_ago: number | null;
  readonly ticks_received: number;
  readonly last_tick: LastTick | null;
  readonly drops: DropSnapshot;
  readonly links: LinkStats;
  /** The agent's clock when it answered. */
  readonly now: number;
  readonly uptime_ms: number;
}

export interface ShellFacts {
  readonly tcpPort: number;
  readonly udpPort: number;
  readonly startedAt: number;
  readonly ticksReceived: number;
  readonly lastTick: (Omit<LastTick, "age_ms"> & { readonly receivedAt: number }) | null;
  readonly drops: DropSnapshot;
  readonly links: LinkStats;
}

export function buildStatus(node: ElectionNode, shell: ShellFacts, now: number): AgentStatus {
  const timer = node.timerAt(now);
  const { settings } = timer;
  return {
    node_id: node.id,
    address: node.address,
    tcp_port: shell.tcpPort,
    udp_port: shell.udpPort,
    membership: node.hasLeft ? "left" : node.membership,
    role: node.role === "master" ? "master" : "peer",
    campaigning: node.role === "candidate",
    term: node.term,
    master: node.masterId,
    members: node.members,
    lost: node.lostMembers,
    phase: timer.phase,
    paused: timer.paused,
    remaining_ms: remaining(timer, now),
    ends_at: timer.paused ? null : timer.endsAt,
    completed_focus_rounds: timer.completedFocusRounds,
    goal: timer.goal ?? null,
    settings: {
      focus_ms: settings.focusMs,
      short_break_ms: settings.shortBreakMs,
      long_break_ms: settings.longBreakMs,
      long_break_every: settings.longBreakEvery,
    },
    offset_to_master_ms: node.offsetToMasterMs(),
    last_heartbeat_ms_ago: node.lastHeartbeatAt === null ? null : now - node.lastHeartbeatAt,
    ticks_received: shell.ticksReceived,
    last_tick: shell.lastTick === null ? null : ageOf(shell.lastTick, now),
    drops: shell.drops,
    links: shell.links,
    now,
    uptime_ms: now - shell.startedAt,
  };
}

function ageOf({ receivedAt, ...tick }: NonNullable<ShellFacts["lastTick"]>, now: number): LastTick {
  return { ...tick, age_ms: now - receivedAt };
}

/** A few aligned lines for people. */
export function formatStatus(status: AgentStatus): string {
  const role = status.campaigning ? "peer, campaigning" : status.role;
  const master = status.members.find((member) => member.id === status.master);
  const timer =
    status.phase === "idle"
      ? "idle"
      : status.paused
        ? `${status.phase}, paused with ${formatDuration(status.remaining_ms)} left`
        : `${status.phase}, ${formatDuration(status.remaining_ms)} left, ends ${formatClockTime(status.ends_at ?? status.now)} (ends_at ${status.ends_at})`;
  const { drops } = status;
  const reasons = Object.entries(drops)
    .filter(([key]) => !["total", "tcp", "udp"].includes(key))
    .map(([key, count]) => `${key} ${count}`)
    .join(", ");
  return [
    `node     ${status.node_id} at ${status.address} (${role}, term ${status.term}, ${status.membership})`,
    `master   ${status.master === null ? "none right now" : `${status.master}${master === undefined ? "" : ` at ${master.address}`}`}`,
    `members  ${status.members.map((member) => member.id).join(", ")} (${status.members.length})` +
      ((status.lost ?? []).length === 0 ? "" : `; out of reach: ${status.lost.map((member) => member.id).join(", ")} (looked for)`),
    `timer    ${timer}; ${status.completed_focus_rounds} focus rounds done${status.goal == null ? "" : `; for goal ${status.goal}`}`,
    `drops    ${drops.total} (tcp ${drops.tcp}, udp ${drops.udp}: ${reasons})`,
  ].join("\n");
}
