import type { Participant } from "../storage/stores.ts";
import type { TxCoordinator } from "./coordinator.ts";
import type { Clock } from "./participant.ts";

/**
 * Finishes transaction `tx` now if that is safe (it is decided, or its lease ended); true if it
 * did, so the caller reads or writes again. Reads use it as read repair: a committed transaction
 * not yet applied on this participant is applied before answering.
 */
export async function resolveIfResolvable(coordinator: TxCoordinator, participant: Participant, tx: string | null): Promise<boolean> {
  if (tx === null) return false;
  if (!(await coordinator.resolvable(participant, tx))) return false;
  await coordinator.resolveById(tx);
  return true;
}

/**
 * The transactions standing in the way of one plain write (a lock on its resource, or holds on its
 * slot), each resolved at most once per request. `cleared` answers true when it resolved one just
 * now (decided, or past its lease): the write is worth trying again. False means nothing more can
 * be cleared (the transaction is alive, or resolving it did not free the resource) and the write
 * must be refused; so a retry loop always ends, and never with a success that was not written.
 */
export class Blockers {
  readonly #coordinator: () => TxCoordinator;
  readonly #participant: Participant;
  readonly #resolved = new Set<string>();

  /** `coordinator` is called only when a write meets a transaction (not on the hot path). */
  constructor(coordinator: () => TxCoordinator, participant: Participant) {
    this.#coordinator = coordinator;
    this.#participant = participant;
  }

  async cleared(txs: Iterable<string>): Promise<boolean> {
    let cleared = false;
    for (const tx of new Set(txs)) {
      if (this.#resolved.has(tx)) continue;
      if (await resolveIfResolvable(this.#coordinator(), this.#participant, tx)) {
        this.#resolved.add(tx);
        cleared = true;
      }
    }
    return cleared;
  }
}

/** One participant's store, as the sweep sees it: the teams its holding-teams index lists. */
export interface SweepSource {
  participant: Participant;
  holdingTeams(): Promise<string[]>;
}

/**
 * The scheduled sweep: every transaction that holds anything on any participant and is either
 * decided (its decision was recorded but not applied everywhere, e.g. a participant was down) or
 * past its lease (presumed abort) is resolved, so no hold outlives its lease by more than one
 * sweep interval. Teams are found by each store's holding-teams index (never by SCAN, whose cost
 * grows with all data), and a team that holds nothing any more is dropped from it.
 */
export async function sweepExpiredTransactions(sources: readonly SweepSource[], coordinatorFor: (team: string) => TxCoordinator, clock: Clock): Promise<number> {
  let resolved = 0;
  for (const source of sources) {
    // Taken before the read: a team announced with a later lease end may be preparing right now.
    const readAt = clock.now();
    for (const team of await source.holdingTeams()) {
      const coordinator = coordinatorFor(team);
      const participant = coordinator.participant(source.participant);
      let live = 0;
      for (const { tx } of await participant.leases()) {
        if (!(await coordinator.resolvable(source.participant, tx))) {
          live++;
          continue;
        }
        await coordinator.resolveById(tx);
        resolved++;
      }
      if (live === 0) await participant.forgetIfIdle(readAt);
    }
  }
  return resolved;
}
