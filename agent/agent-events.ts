/**
 * The lines a running agent prints: one JSON object per line with --json, a sentence otherwise.
 * Core events map one to one; `phase` comes from the shell watching the timer.
 */
import type { NodeEvent, Role } from "./core/messages.ts";
import type { Phase } from "../shared/pomodoro.ts";
import { formatClockTime, formatDuration } from "./time-format.ts";

export type AgentEvent =
  | { readonly event: "ready"; readonly node_id: string; readonly tcp_port: number; readonly udp_port: number; readonly address: string }
  | { readonly event: "role"; readonly role: Role; readonly term: number }
  | { readonly event: "master"; readonly master: string | null; readonly term: number }
  | { readonly event: "term"; readonly term: number }
  | { readonly event: "members"; readonly members: readonly string[] }
  | { readonly event: "joined"; readonly master: string }
  | {
      readonly event: "phase";
      readonly phase: Phase;
      readonly paused: boolean;
      /** Epoch ms on this agent's clock; null when idle or paused. */
      readonly ends_at: number | null;
      readonly remaining_ms: number;
      /** The goal the session is for (`start --goal`); absent for none. */
      readonly goal?: string;
    }
  | { readonly event: "command"; readonly command: string; readonly outcome: string; readonly seq: number; readonly term: number; readonly by: string }
  /** A command applied on the side of a partition whose timer lost the merge (agent/core/heal-rule.ts). */
  | {
      readonly event: "overridden";
      readonly command: string;
      readonly by: string;
      readonly seq: number;
      readonly term: number;
      readonly merged_by: string;
      readonly merged_term: number;
    }
  | { readonly event: "left" }
  | { readonly event: "stopped" }
  | { readonly event: "warning"; readonly message: string }
  /** `start` made the team key file, or `join --invite` kept the invite's key there (team-key-source.ts). */
  | { readonly event: "team_key"; readonly origin: "created" | "invite"; readonly file: string }
  /** How to join this new session: from another machine (null when only loopback is reachable), and here. */
  | { readonly event: "invite"; readonly invite: string | null; readonly address: string; readonly local: string }
  /** The link to the worker (worker-link.ts) is up: the agent registers, and reports while master. */
  | { readonly event: "worker"; readonly connected: boolean; readonly url: string };

export function fromNodeEvent(event: NodeEvent): AgentEvent {
  switch (event.type) {
    case "term_changed":
      return { event: "term", term: event.term };
    case "role_changed":
      return { event: "role", role: event.role, term: event.term };
    case "master_changed":
      return { event: "master", master: event.masterId, term: event.term };
    case "members_changed":
      return { event: "members", members: event.members.map((member) => member.id) };
    case "joined":
      return { event: "joined", master: event.masterId };
    case "command_applied": {
      const { entry } = event;
      return { event: "command", command: entry.command.kind, outcome: entry.outcome, seq: entry.seq, term: entry.term, by: entry.stamp.nodeId };
    }
    case "command_overridden": {
      const { entry, mergedBy, term } = event.overridden;
      return { event: "overridden", command: entry.command.kind, by: entry.stamp.nodeId, seq: entry.seq, term: entry.term, merged_by: mergedBy, merged_term: term };
    }
    case "timer_changed": {
      const { timer } = event;
      return { event: "phase", phase: timer.phase, paused: timer.paused, ends_at: timer.endsAt, remaining_ms: timer.remainingMs, ...(timer.goal === undefined ? {} : { goal: timer.goal }) };
    }
    case "left":
      return { event: "left" };
  }
}

export function formatEvent(event: AgentEvent): string {
  switch (event.event) {
    case "ready":
      return `ready: node ${event.node_id} at ${event.address} (tcp ${event.tcp_port}, udp ${event.udp_port})`;
    case "role":
      return `role: ${event.role} (term ${event.term})`;
    case "master":
      return event.master === null ? `master: none (term ${event.term}), electing one` : `master: ${event.master} (term ${event.term})`;
    case "term":
      return `term: ${event.term}`;
    case "members":
      return `members: ${event.members.join(", ")} (${event.members.length})`;
    case "joined":
      return `joined the session; master is ${event.master}`;
    case "phase":
    {
      if (event.phase === "idle") return "timer: idle";
      const forGoal = event.goal === undefined ? "" : `, for goal ${event.goal}`;
      if (event.paused) return `timer: ${event.phase}, paused with ${formatDuration(event.remaining_ms)} left${forGoal}`;
      return `timer: ${event.phase} until ${formatClockTime(event.ends_at ?? Date.now())} (${formatDuration(event.remaining_ms)})${forGoal}`;
    }
    case "command":
      return `command: ${event.command} from ${event.by}: ${event.outcome}`;
    case "overridden":
      return (
        `overridden: the ${event.command} from ${event.by} (term ${event.term}) was overridden by the merged session ` +
        `(master ${event.merged_by}, term ${event.merged_term}), which keeps the timer of the side with the later command`
      );
    case "left":
      return "left the session";
    case "stopped":
      return "stopped";
    case "warning":
      return `warning: ${event.message}`;
    case "team_key":
      return event.origin === "created"
        ? `team key: made a new one in ${event.file} (mode 0600); agents of this user on this machine use it`
        : `team key: kept the invite's key in ${event.file} (mode 0600) for status, pause and the other commands`;
    case "invite":
      return event.invite === null
        ? `invite: other machines cannot reach ${event.address}; start with --host ADDRESS (this machine's network address) to invite them. Here: groupsync-agent join ${event.local}`
        : `invite: to join from another machine: groupsync-agent join --invite ${event.invite}   (on this machine: groupsync-agent join ${event.local})`;
    case "worker":
      return event.connected ? `registered with the worker at ${event.url}` : `lost the worker at ${event.url}; retrying`;
  }
}
