/**
 * What an envelope's `body` carries. Core messages (election, membership, heartbeats with clock
 * probes, commands) and control requests travel over TCP; timer ticks over UDP.
 */
import type { Message } from "../core/messages.ts";
import type { Phase } from "../../shared/pomodoro.ts";
import { isRecord } from "./envelope.ts";
import { isMessage } from "./message-shape.ts";

/** A message of the core protocol, exactly as ElectionNode produced it. */
export interface CoreBody {
  readonly kind: "core";
  readonly message: Message;
}

/**
 * The master's timer, repeated over UDP to every member a few times a second. Informational: the
 * truth travels in heartbeats, so a lost or late tick changes nothing. `ends_at` is on the master's clock.
 */
export interface TickBody {
  readonly kind: "tick";
  readonly phase: Phase;
  readonly paused: boolean;
  readonly ends_at: number | null;
  readonly remaining_ms: number;
  readonly sent_at: number;
}

/** From the CLI to a running agent; the request itself is checked by agent/control. */
export interface ControlBody {
  readonly kind: "control";
  readonly sent_at: number;
  readonly request: unknown;
}

/** The agent's answer, `re` naming the request's seq. */
export interface ControlReplyBody {
  readonly kind: "control_reply";
  readonly re: number;
  readonly reply: unknown;
}

export type WireBody = CoreBody | TickBody | ControlBody | ControlReplyBody;

const PHASES = new Set<unknown>(["idle", "focus", "short_break", "long_break"]);
const isFiniteNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** The body if it has a known kind and the right shape; null otherwise. */
export function parseWireBody(value: unknown): WireBody | null {
  if (!isRecord(value)) return null;
  switch (value.kind) {
    case "core":
      return isMessage(value.message) ? (value as unknown as CoreBody) : null;
    case "tick":
      return PHASES.has(value.phase) &&
        typeof value.paused === "boolean" &&
        (value.ends_at === null || isFiniteNumber(value.ends_at)) &&
        isFiniteNumber(value.remaining_ms) &&
        isFiniteNumber(value.sent_at)
        ? (value as unknown as TickBody)
        : null;
    case "control":
      return isFiniteNumber(value.sent_at) && isRecord(value.request) ? (value as unknown as ControlBody) : null;
    case "control_reply":
      return isFiniteNumber(value.re) && isRecord(value.reply) ? (value as unknown as ControlReplyBody) : null;
    default:
      return null;
  }
}
