/**
 * Each signed agent message is taken once per socket. The nonce already binds a message to its
 * socket (shared/agent-proof.ts); on the same socket, `at` must not go back, and a message with the
 * same `at` as the newest taken must carry another MAC. O(1) per socket, small enough for the
 * socket's attachment, so it holds across hibernation.
 */
export interface TakenMessages {
  /** `at` of the newest message taken on this socket. */
  at: number;
  /** MACs of the messages taken with that `at` (an agent may sign two in one millisecond). */
  macs: string[];
}

/** Whether a proven message is new on its socket, and what the socket has taken once it is. */
export function takeOnce(taken: TakenMessages | undefined, at: number, mac: string): { fresh: boolean; taken: TakenMessages | undefined } {
  if (taken === undefined || at > taken.at) return { fresh: true, taken: { at, macs: [mac] } };
  if (at < taken.at || taken.macs.includes(mac)) return { fresh: false, taken };
  // Bounded by the socket's message rate (socket-limits.ts): a few per millisecond at most.
  return { fresh: true, taken: { at, macs: [...taken.macs, mac].slice(-64) } };
}
