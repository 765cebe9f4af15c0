/**
 * The two unsigned frames an agent itself writes on an accepted TCP connection, besides replies:
 *
 *   {"hello":{"v":2,"challenge":"…"}}   first, at once: sign what you send here for this challenge
 *   {"refused":"bad_mac"}               last, before closing on a frame that did not open
 *
 * Neither needs a mac: a forged hello only makes the sender's frames fail to open, and a refusal only
 * tells the sender why (a CLI can then blame the team key only when the agent said "bad_mac").
 */
import type { DropReason } from "./drop-counters.ts";
import { isRecord, WIRE_VERSION } from "./envelope.ts";

const MAX_CHALLENGE_LENGTH = 64;

export function encodeHello(challenge: string): string {
  return JSON.stringify({ hello: { v: WIRE_VERSION, challenge } });
}

/** The challenge, or null if `text` is not a hello this version understands. */
export function parseHello(text: string): string | null {
  const value = parseObject(text);
  const hello = value?.hello;
  if (!isRecord(hello) || hello.v !== WIRE_VERSION) return null;
  const { challenge } = hello;
  return typeof challenge === "string" && challenge.length > 0 && challenge.length <= MAX_CHALLENGE_LENGTH ? challenge : null;
}

export function encodeRefusal(reason: DropReason): string {
  return JSON.stringify({ refused: reason });
}

/** The reason an agent gave for closing, or null if `text` is no refusal. */
export function parseRefusal(text: string): string | null {
  const refused = parseObject(text)?.refused;
  return typeof refused === "string" && refused.length <= 32 ? refused : null;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}
