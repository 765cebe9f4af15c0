/**
 * How far ahead of the clock a term or a Lamport time may run. Both only ever count up, and a member
 * with the key could send one near its hard limit (MAX_TERM, MAX_LAMPORT in message-shape.ts): every
 * node would adopt it, and the next election (or message) would have no number left, stopping the
 * session for good. Honest counters grow at a bounded pace (a term by one per election, which needs
 * an election timeout of silence; a Lamport time by one per message), so a value far beyond "where
 * this node entered the session, plus what the time since allows" is refused.
 *
 * The ceiling is anchored where the node entered the session (its start, or its values when it
 * joined) and rises with its own clock: `slack` at once, one more every `growthMs`. It is not relative
 * to the node's current value, so a member that keeps sending "current + slack" gains nothing by
 * repeating it. A legitimate member back from a long partition counted no faster than that while
 * away, and the ceiling rose meanwhile, so it is let in. At the defaults (terms: 1000, one per 10 ms;
 * Lamport: 10^6, one per 10 µs) a session would need 348 years to reach either limit.
 */

export interface JumpAnchor {
  readonly value: number;
  /** On the node's own clock. */
  readonly at: number;
}

export interface JumpAllowance {
  readonly slack: number;
  readonly growthMs: number;
}

/** The highest value a member accepts at `now`. A clock that stepped back grants nothing extra, and takes nothing back. */
export function jumpCeiling(anchor: JumpAnchor, now: number, allowance: JumpAllowance): number {
  return anchor.value + allowance.slack + Math.floor(Math.max(0, now - anchor.at) / allowance.growthMs);
}
