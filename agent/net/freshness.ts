/**
 * How old (or how far in the future) a UDP envelope's send time may be. UDP has no connection and so
 * no challenge (recipient-binding.ts): a copy replayed within the recipient's run is caught by seq and
 * nonce, and this window bounds how long it could even be tried. Clocks of members differ, so `sent`
 * is compared with the receiver's clock moved by its estimate of the sender's offset (clock-offset.ts,
 * the master's); without one it also allows the skew message-shape.ts allows everywhere.
 */

import { CLOCK_SKEW_ALLOWANCE_MS } from "./message-shape.ts";

export const FRESHNESS_WINDOW_MS = 30_000;

/** `offsetMs` is the sender's clock minus ours, or null when unknown. */
export function isFresh(sent: number, now: number, offsetMs: number | null): boolean {
  const allowed = FRESHNESS_WINDOW_MS + (offsetMs === null ? CLOCK_SKEW_ALLOWANCE_MS : 0);
  return Math.abs(sent - (now + (offsetMs ?? 0))) <= allowed;
}
