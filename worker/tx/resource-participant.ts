import type { Redis } from "@upstash/redis/cloudflare";
import type { TxOpInput } from "../../shared/tx.ts";
import type { ChangeSink } from "../live/changes.ts";
import type { Participant } from "../storage/stores.ts";
import { LeaseBook, type LeaseKeys } from "./lease-book.ts";
import type { OpRequest, PreparedOp, TxParticipant } from "./participant.ts";

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

  abstract prepare(op: OpRequest): PreparedOp;
  abstract apply(tx: string, by: string, now: number): Promise<void>;
  abstract release(tx: string): Promise<void>;
}
