import type { Pipeline, Redis } from "@upstash/redis/cloudflare";
import { extendLeaseScript, forgetHoldingTeamScript, voteScript } from "./lease-scripts.ts";
import type { Lease } from "./participant.ts";

/** The keys a participant keeps its leases under (from its own keys module). */
export interface LeaseKeys {
  /** Set of the hold (or lock) keys of transaction `tx`. */
  txHolds(tx: string): string;
  /** Sorted set: transaction -> lease end (ms). A lease is a value, never a TTL. */
  leases: string;
  /** This store's index of teams that may hold leases (outside every team's hash tag). */
  holdingTeams: string;
}

/**
 * The lease half of a participant, the same for every resource: votes, extensions, and the
 * holding-teams index the scheduled sweep reads. Only the keys differ.
 */
export class LeaseBook {
  readonly #store: Redis;
  readonly #team: string;
  readonly #keys: LeaseKeys;

  constructor(store: Redis, team: string, keys: LeaseKeys) {
    this.#store = store;
    this.#team = team;
    this.#keys = keys;
  }

  async vote(tx: string, expected: number, leaseEnd: number): Promise<boolean> {
    return (await voteScript.run(this.#store, [this.#keys.txHolds(tx), this.#keys.leases], [tx, leaseEnd, expected])) === "yes";
  }

  async extendLease(tx: string, leaseEnd: number): Promise<void> {
    await extendLeaseScript.run(this.#store, [this.#keys.leases], [tx, leaseEnd]);
  }

  async leaseEnd(tx: string): Promise<number | null> {
    const score = await this.#store.zscore(this.#keys.leases, tx);
    return score === null ? null : Number(score);
  }

  async leases(): Promise<Lease[]> {
    const flat = (await this.#store.zrange(this.#keys.leases, 0, 999, { withScores: true })) as string[];
    const leases = [];
    for (let i = 0; i < flat.length; i += 2) leases.push({ tx: flat[i]!, leaseEnd: Number(flat[i + 1]) });
    return leases;
  }

  /**
   * Drops the team from the holding-teams index if it holds nothing here now and announced no
   * lease ending after `readAt`, when the sweep read the index. True if dropped. The guard is for a
   * prepare racing the sweep: it announces its lease end (later than `readAt`) before writing its
   * lease. A lease written before the count below keeps the team; one written after was announced
   * either before the drop, whose guard then keeps the team, or after it, which adds the team back.
   */
  async forgetIfIdle(readAt: number): Promise<boolean> {
    if ((await this.#store.zcard(this.#keys.leases)) > 0) return false;
    return (await forgetHoldingTeamScript.run(this.#store, [this.#keys.holdingTeams], [this.#team, readAt])) === 1;
  }

  /**
   * Adds the team to the holding-teams index, or raises its score to `leaseEnd` (GT: never lowers
   * it). Sent just before a prepare script, in the same round trip but as a command of its own (the
   * index has no hash tag, so no team's script may touch it): a crash in between leaves an entry
   * without leases, which the sweep drops, never a lease the sweep cannot find. Votes and extensions
   * only move existing leases, and a team with a lease is never dropped, so they need not announce.
   */
  announce(leaseEnd: number): (pipeline: Pipeline) => void {
    return (pipeline) => pipeline.zadd(this.#keys.holdingTeams, { gt: true }, { score: leaseEnd, member: this.#team });
  }
}

/** Teams that may hold leases on a store, for the scheduled sweep. */
export async function holdingTeams(store: Redis, holdingTeamsKey: string): Promise<string[]> {
  return (await store.zrange(holdingTeamsKey, 0, -1)) as string[];
}
