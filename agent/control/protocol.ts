/**
 * What the CLI asks a running agent over its TCP port, and what the agent answers. Requests travel
 * in the same signed envelopes as peer traffic (agent/net/envelope.ts), so only holders of the team
 * key can read the status or move the timer.
 */
import type { TimerCommand } from "../../shared/pomodoro.ts";
import { isRecord } from "../net/envelope.ts";
import { isTimerCommand } from "../net/message-shape.ts";
import type { AgentStatus } from "../status-report.ts";

export type ControlRequest = { readonly op: "status" } | { readonly op: "command"; readonly command: TimerCommand };

export type ControlReply =
  | { readonly ok: true; readonly status: AgentStatus }
  | { readonly ok: true; readonly outcome: "applied"; readonly seq: number; readonly term: number }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** How long the agent waits for the master to confirm a command before answering anyway. */
export const COMMAND_CONFIRM_TIMEOUT_MS = 5000;

export function parseControlRequest(value: unknown): ControlRequest | null {
  if (!isRecord(value)) return null;
  if (value.op === "status") return { op: "status" };
  // `start` too: it restarts a stopped timer (groupsync-agent start in a running session); the
  // timer itself refuses it while running (already_running).
  if (value.op === "command" && isTimerCommand(value.command)) return { op: "command", command: value.command };
  return null;
}

export function parseControlReply(value: unknown): ControlReply | null {
  if (!isRecord(value) || typeof value.ok !== "boolean") return null;
  if (value.ok) return isRecord(value.status) || value.outcome === "applied" ? (value as unknown as ControlReply) : null;
  return typeof value.code === "string" && typeof value.message === "string" ? (value as unknown as ControlReply) : null;
}
