import type { Redis } from "@upstash/redis/cloudflare";
import type { TxOpInput } from "../../shared/tx.ts";
import type { ChangeSink } from "../live/changes.ts";
import type { Participant } from "../storage/stores.ts";
import { LeaseBook, type LeaseKeys } from "./lease-book.ts";
import type { OpRequest, PreparedOp, TxParticipant } from "./participant.ts";

const MAX_HOLD_ROUNDS = 4;

/**
 * What every resource's participant shares: its store, team, change sink and keys, the lease half
 * (LeaseBook), and which ops are its own (those whose type starts with its name, e.g. "goal.").
 * A resource adds how to prepare, apply and release its ops.
 */
export abstract class ResourceParticipant<K extends LeaseKeys> extends LeaseBook implements TxParticipant {
  abstract readonly name: Participant;
  abstract readonly noun: string;
  protected readonly store: Redis;
  protected readonly team: string;
  protected readonly changes: ChangeSink;
  protected readonly keys: K;
  readonly #opPrefix: string;

  protected constructor(store: Redis, team: string, changes: ChangeSink, keys: K, opPrefix: string) {
    super(store, team, keys);
    this.store = store;
    this.team = team;
    this.changes = changes;
    this.keys = keys;
    this.#opPrefix = opPrefix;
  }

  handles(type: TxOpInput["type"]): boolean {
    return type.startsWith(this.#opPrefix);
  }

  /**
   * Runs an apply or release script over the hold keys read just before it (a script may touch
   * only keys it is given). The script reports how many holds are left that it was not given
   * (prepared after the read): then the keys are read again, a few times at most; past that the
   * lease stays, and recovery finishes the job.
   */
  protected async overHolds(tx: string, round: (holdKeys: string[]) => Promise<number>): Promise<void> {
    for (let i = 0; i < MAX_HOLD_ROUNDS; i++) {
      const holdKeys = (await this.store.smembers(this.keys.txHolds(tx))) as string[];
      if ((await round(holdKeys)) === 0) return;
    }
  }

  abstract prepare(op: OpRequest): PreparedOp;
  abstract apply(tx: string, by: string, now: number): Promise<void>;
  abstract release(tx: string): Promise<void>;
}
