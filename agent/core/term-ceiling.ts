/**
 * How far ahead of the clock a term may run. Honest terms grow by one per election, and an election
 * needs an election timeout of silence first, so a term far beyond "where this node joined, plus
 * what the time since allows" can only come from a member with the key trying to push the session
 * towards MAX_TERM (message-shape.ts), where no term is left to count on and it would stop for good.
 *
 * The ceiling is anchored where the node entered the session (its start, or the master's term when
 * it joined) and rises with its own clock: `slack` terms at once, one more every `growthMs`. It is
 * not relative to the node's current term, so a member that keeps sending "current + slack" gains
 * nothing by repeating it. A legitimate member back from a long partition ran at most one election
 * per timeout while away, and the ceiling rose faster than that meanwhile, so it is let in. At the
 * defaults (1000 terms, one per 10 ms) a session would need 348 years to reach MAX_TERM.
 */

export interface TermAnchor {
  readonly term: number;
  /** On the node's own clock. */
  readonly at: number;
}

export interface TermCeilingConfig {
  readonly termJumpSlack: number;
  readonly termGrowthMs: number;
}

/** The highest term a member accepts at `now`. A clock that stepped back grants nothing extra, and takes nothing back. */
export function termCeiling(anchor: TermAnchor, now: number, config: TermCeilingConfig): number {
  return anchor.term + config.termJumpSlack + Math.floor(Math.max(0, now - anchor.at) / config.termGrowthMs);
}
