import { PRESENCE_EVERY_MS } from "../../shared/live.ts";

/** Who joined and left between two presence lists. */
export interface PresenceDiff {
  joined: string[];
  left: string[];
}

/**
 * Presence (who has the dashboard open) as batched diffs: the hub marks a change, and at most every
 * `everyMs` sends what changed since the last send: the whole list to sockets that have not had it
 * yet, the diff to the others. A burst of n joins then costs n snapshots and a few diffs per socket,
 * not n full lists to each of n sockets. Pure, with the clock passed in.
 */
export class PresenceBatcher {
  readonly #everyMs: number;
  #sent: ReadonlySet<string> = new Set();
  #lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(everyMs = PRESENCE_EVERY_MS) {
    this.#everyMs = everyMs;
  }

  /** How long to wait before the next flush: none after a quiet spell, else until `everyMs` after the last. */
  delayMs(now: number): number {
    return Math.max(0, this.#lastFlushAt + this.#everyMs - now);
  }

  /** The list now (sorted) and what changed since the last flush (null: nothing). */
  flush(people: Iterable<string>, now: number): { people: string[]; diff: PresenceDiff | null } {
    const current = new Set(people);
    const joined = [...current].filter((p) => !this.#sent.has(p)).sort();
    const left = [...this.#sent].filter((p) => !current.has(p)).sort();
    this.#sent = current;
    this.#lastFlushAt = now;
    return { people: [...current].sort(), diff: joined.length + left.length > 0 ? { joined, left } : null };
  }
}
