import type { Redis } from "@upstash/redis/cloudflare";
import { TX_ID_PATTERN, type TxOpInput, type TxReason, type TxView } from "../../shared/tx.ts";
import type { ChangeSink } from "../live/changes.ts";
import { dependencyFailure } from "../storage/dependency-failure.ts";
import type { Participant } from "../storage/stores.ts";
import { unreachable } from "../unreachable.ts";
import { quotaArg } from "../limits/quota-lua.ts";
import { openTxKey, RESOLVED_TX_TTL_SECONDS, TX_CHANNEL, txKeys } from "./keys.ts";
import type { Clock, PreparedOp, TxParticipant } from "./participant.ts";
import { decideScript, putRecordScript } from "./scripts.ts";

/** The coordinator's record of a transaction (main store). */
export interface TxRecord {
  id: string;
  team: string;
  member: string;
  state: "open" | "committed" | "aborted";
  version: number;
  created_at: string;
  updated_at: string;
  /** Idle deadline (ms): an open transaction not touched by then is aborted. */
  expires_ms: number;
  ops: Array<{ type: TxOpInput["type"]; id: string; participant: Participant; n: number }>;
  outcome: TxView["outcome"];
}

/** A transaction ended (or could not go on): the reason, for the client and for GET /tx. */
export class TxAborted extends Error {
  readonly reason: TxReason;
  readonly detail: unknown;
  constructor(reason: TxReason, message: string, detail?: unknown) {
    super(message);
    this.reason = reason;
    this.detail = detail;
  }
}

export class TxNotFound extends Error {}

/** A new transaction refused: the team has as many open ones as its quota allows. */
export class TxQuotaExceeded extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`the team already has ${limit} open transactions`);
    this.limit = limit;
  }
}

export class TxAlreadyCommitted extends Error {}

/** An op for a transaction that is no longer open: committed or aborted, it takes nothing more. */
export class TxNotOpen extends Error {
  readonly state: "committed" | "aborted";
  readonly reason: TxReason | undefined;
  constructor(record: TxRecord & { state: "committed" | "aborted" }) {
    const why = record.state === "aborted" ? ` (${record.outcome?.reason ?? "timeout"})` : "";
    super(`transaction ${record.id} is already ${record.state}${why} and takes no more ops; begin a new transaction`);
    this.state = record.state;
    this.reason = record.state === "aborted" ? (record.outcome?.reason ?? "timeout") : undefined;
  }
}

/** How often one op is tried (stale reads, transactions in the way resolved) before it gives up. */
const MAX_PREPARE_ATTEMPTS = 8;

/** How long a commit's holds are leased while the decision is recorded and applied. */
const COMMIT_LEASE_MS = 30_000;

/**
 * Two-phase commit across the calendar and goals participants. Holds are taken when an op is
 * added (so conflicts show at once and two open transactions can conflict); commit asks every
 * participant to vote (its holds are all still there), records the decision once, first writer
 * wins, and only then applies it. Abort is presumed: no recorded decision means abort.
 */
export class TxCoordinator {
  readonly #main: Redis;
  readonly #participants: readonly TxParticipant[];
  readonly #team: string;
  readonly #changes: ChangeSink;
  readonly #idleMs: number;
  /** Fault tests only (never in production): widens the window between decision and apply. */
  readonly #pauseAfterDecisionMs: number;
  readonly #clock: Clock;
  /** How many open transactions the team may have (null: no limit). */
  readonly #openQuota: number | null;

  constructor(
    main: Redis,
    participants: readonly TxParticipant[],
    team: string,
    changes: ChangeSink,
    options: { idleMs: number; pauseAfterDecisionMs?: number; clock: Clock; openQuota?: number | null },
  ) {
    this.#main = main;
    this.#participants = participants;
    this.#team = team;
    this.#changes = changes;
    this.#idleMs = options.idleMs;
    this.#pauseAfterDecisionMs = options.pauseAfterDecisionMs ?? 0;
    this.#clock = options.clock;
    this.#openQuota = options.openQuota ?? null;
  }

  /** The participant called `name` (for recovery, which walks each one's leases). */
  participant(name: Participant): TxParticipant {
    const participant = this.#participants.find((p) => p.name === name);
    if (participant === undefined) throw new Error(`no participant ${name}`);
    return participant;
  }

  /**
   * Opens a transaction. `persist: false` (the one-shot form, which commits in the same request)
   * writes the record only once, when it settles: recovery never needs the record, because the
   * holds name the transaction and the decision alone decides.
   */
  async begin(member: string, options: { persist?: boolean } = {}): Promise<TxRecord> {
    const now = this.#clock.now();
    const id = `tx_${randomId()}`;
    const record: TxRecord = {
      id,
      team: this.#team,
      member,
      state: "open",
      version: options.persist === false ? 0 : 1,
      created_at: new Date(now).toISOString(),
      updated_at: new Date(now).toISOString(),
      expires_ms: now + this.#idleMs,
      ops: [],
      outcome: null,
    };
    if (record.version === 1) await this.#save(record, undefined);
    return record;
  }

  /** The member's own open or resolved transaction; anyone else's is not found. */
  async load(id: string, member: string): Promise<TxRecord> {
    const raw = TX_ID_PATTERN.test(id) ? await this.#main.get<string>(txKeys(this.#team, id).record) : null;
    if (raw === null) throw new TxNotFound(`no transaction ${id}`);
    const record = JSON.parse(raw) as TxRecord;
    if (record.member !== member) throw new TxNotFound(`no transaction ${id}`);
    if (record.state === "open" && (record.expires_ms <= this.#clock.now() || (await this.#decision(id)) !== null)) {
      return this.resolve(record);
    }
    return record;
  }

  /**
   * Validates and prepares one op. A validation error leaves the transaction open; an op that
   * cannot be prepared (slot taken, locked, target missing, a participant down) aborts it.
   */
  async addOp(record: TxRecord, input: TxOpInput): Promise<TxRecord> {
    // A decided transaction never grows: an op added after the commit would hold its slot, yet
    // never be applied with the rest (or be applied by recovery behind the client's back).
    if (record.state !== "open") throw new TxNotOpen({ ...record, state: record.state });
    const n = record.ops.length;
    const participant = this.#participantFor(input.type);
    const now = this.#clock.now();
    const leaseEnd = now + this.#idleMs;
    // Validation (a 400 naming the field) happens here, before the try: the transaction stays open.
    const earlierCreates = record.ops.filter((op) => op.participant === participant.name && op.type.endsWith(".create")).length;
    const prepared = participant.prepare({ tx: record.id, n, input, member: record.member, leaseEnd, now, earlierCreates });
    const id = prepared.id;
    try {
      await this.#prepared(record.id, prepared, participant);
    } catch (error) {
      if (error instanceof TxAborted) throw await this.#abortWith(record, error);
      const outage = dependencyFailure(error);
      if (outage !== null) throw await this.#abortWith(record, new TxAborted("participant_unavailable", `the ${participant.name} store is unavailable; the transaction was aborted`, { participant: participant.name }));
      throw error;
    }
    const ops = [...record.ops, { type: input.type, id, participant: participant.name, n }];
    if (record.version === 0) return { ...record, ops, expires_ms: leaseEnd }; // unsaved: the one-shot form
    const next: TxRecord = { ...record, version: record.version + 1, updated_at: new Date(now).toISOString(), expires_ms: leaseEnd, ops };
    try {
      await this.#save(next, record.version);
    } catch (error) {
      // Another op was added at the same moment: its hold and ours cannot both be recorded, so
      // the transaction aborts rather than commit with a hold it does not know about.
      if (error instanceof TxAborted) throw await this.#abortWith(record, error);
      throw error;
    }
    // Activity keeps the other participant's holds alive too.
    for (const other of involved(next)) if (other !== participant.name) await this.participant(other).extendLease(record.id, leaseEnd).catch(() => {});
    return next;
  }

  async commit(record: TxRecord): Promise<TxRecord> {
    if (record.state === "committed") return record;
    assertOpen(record);
    const leaseEnd = this.#clock.now() + COMMIT_LEASE_MS;
    // The participants vote at the same time; any no, or silence, aborts.
    const participants = involved(record);
    const votes = await Promise.allSettled(
      participants.map((name) => this.participant(name).vote(record.id, record.ops.filter((op) => op.participant === name).length, leaseEnd)),
    );
    for (const [i, vote] of votes.entries()) {
      if (vote.status === "rejected") {
        if (dependencyFailure(vote.reason) === null) throw vote.reason;
        throw await this.#abortWith(record, new TxAborted("participant_unavailable", `the ${participants[i]} store did not answer the vote; the transaction was aborted`, { participant: participants[i] }));
      }
      if (!vote.value) throw await this.#abortWith(record, new TxAborted("timeout", "the transaction's holds expired before it was committed; it was aborted"));
    }
    const recorded = await this.#recordDecision(record.id, "commit");
    if (recorded !== "commit") throw await this.#abortWith(record, new TxAborted("timeout", "the transaction was aborted by recovery before it could commit"));
    if (this.#pauseAfterDecisionMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#pauseAfterDecisionMs));
    return this.#finishCommit(record);
  }

  async abort(record: TxRecord, reason: TxReason = "client_abort"): Promise<TxRecord> {
    if (record.state === "aborted") return record;
    const recorded = await this.#recordDecision(record.id, "abort");
    if (recorded === "commit") throw new TxAlreadyCommitted(`transaction ${record.id} is already committed`);
    return this.#finishAbort(record, reason, undefined);
  }

  /** Recovery: carry out the recorded decision, or record abort if there is none (presumed abort). */
  async resolve(record: TxRecord): Promise<TxRecord> {
    const recorded = await this.#recordDecision(record.id, "abort");
    if (recorded === "commit") return this.#finishCommit(record);
    return this.#finishAbort(record, record.state === "aborted" ? record.outcome?.reason ?? "timeout" : "timeout", undefined);
  }

  /** Resolves a transaction known only by id (met as a hold or lock by another request). */
  async resolveById(id: string): Promise<void> {
    const raw = await this.#main.get<string>(txKeys(this.#team, id).record);
    if (raw !== null) {
      await this.resolve(JSON.parse(raw) as TxRecord);
      return;
    }
    // No record (it expired long ago, or the coordinator died before writing it): the decision decides.
    const recorded = await this.#recordDecision(id, "abort");
    for (const participant of this.#participants) {
      await (recorded === "commit" ? participant.apply(id, "recovery", this.#clock.now()) : participant.release(id));
    }
  }

  /**
   * Whether a transaction met as a hold or lock may be resolved now: a decided one always may
   * (finishing a recorded decision is always safe); an undecided one only once its lease ended,
   * when abort is presumed.
   */
  async resolvable(participant: Participant, tx: string): Promise<boolean> {
    if ((await this.#decision(tx)) !== null) return true;
    const end = await this.participant(participant).leaseEnd(tx);
    return end === null || end <= this.#clock.now();
  }

  /**
   * Runs `attempt` (which reads what it needs, builds the hold and takes it) until the hold is
   * taken. A stale read is read again; another transaction in the way that may be resolved
   * (decided, or past its lease) is resolved, at most once each, and the op tried again from the
   * read. Anything else aborts, the error naming the reason.
   */
  async #prepared(tx: string, prepared: PreparedOp, participant: TxParticipant): Promise<void> {
    const kind = participant.noun;
    const id = prepared.id;
    const resolved = new Set<string>();
    for (let i = 0; i < MAX_PREPARE_ATTEMPTS; i++) {
      const outcome = await prepared.attempt();
      switch (outcome.kind) {
        case "ok":
          return;
        case "stale":
          continue;
        case "locked":
        case "conflict": {
          const blockers = outcome.kind === "locked" ? [outcome.tx] : outcome.conflicts.map((c) => c.tx).filter((other) => other !== undefined);
          if (await this.#resolveBlockers(participant.name, blockers.filter((other) => other !== tx), resolved)) continue;
          // A clash with this transaction's own earlier op says so: "another transaction" would send the client hunting.
          if (outcome.kind === "locked") {
            const by = outcome.tx === tx ? "an earlier op of this transaction" : "another transaction";
            throw new TxAborted("lock_conflict", `${kind} ${id} is already taken by ${by}; the transaction was aborted`, { resource: `${kind}:${id}` });
          }
          const heldBy = (holder: string) => (holder === tx ? "a slot held by an earlier op of this transaction" : "a slot held by another transaction in progress");
          throw new TxAborted("time_slot_taken", `the slot overlaps ${outcome.conflicts.map((c) => (c.tx ? heldBy(c.tx) : c.id)).join(", ")}; the transaction was aborted`, {
            conflicts: outcome.conflicts.map(({ tx: holder, ...rest }) => (holder ? { ...rest, id: holder === tx ? "(held by this transaction)" : "(held by a transaction in progress)" } : rest)),
          });
        }
        case "exists":
          throw new TxAborted("exists", `${kind} ${id} already exists; the transaction was aborted`, { id });
        case "missing":
          throw new TxAborted("not_found", `no ${kind} with id ${id}; the transaction was aborted`, { id });
        case "quota_exceeded":
          throw new TxAborted("quota_exceeded", `the team has reached its quota of ${outcome.limit} ${participant.noun}s; the transaction was aborted`, { quota: outcome.quota, limit: outcome.limit });
        case "beyond_horizon":
          throw new TxAborted("beyond_series_horizon", `${kind} ${id} ends after ${new Date(outcome.horizon).toISOString()}, as far as its calendar's series without an end are materialised; the transaction was aborted`, { horizon: new Date(outcome.horizon).toISOString() });
        default:
          return unreachable(outcome, "prepare outcome");
      }
    }
    throw new TxAborted("lock_conflict", `${kind} ${id} is changing too fast to prepare; the transaction was aborted`, { resource: `${kind}:${id}` });
  }

  /** Resolves each of `txs` not yet in `resolved` that may be resolved now; true if any was. */
  async #resolveBlockers(participant: Participant, txs: string[], resolved: Set<string>): Promise<boolean> {
    let cleared = false;
    for (const other of new Set(txs)) {
      if (resolved.has(other) || !(await this.resolvable(participant, other))) continue;
      await this.resolveById(other);
      resolved.add(other);
      cleared = true;
    }
    return cleared;
  }

  async #abortWith(record: TxRecord, error: TxAborted): Promise<TxAborted> {
    const recorded = await this.#recordDecision(record.id, "abort").catch(() => "abort" as const);
    if (recorded === "commit") return new TxAborted(error.reason, error.message, error.detail);
    await this.#finishAbort(record, error.reason, error.detail).catch(() => {});
    return error;
  }

  async #finishAbort(record: TxRecord, reason: TxReason, detail: unknown): Promise<TxRecord> {
    // Release everywhere; a participant that is down keeps its holds until recovery meets them.
    await Promise.all(
      this.#participants.map((participant) =>
        participant.release(record.id).catch((error) => {
          if (dependencyFailure(error) === null) throw error;
        }),
      ),
    );
    const outcome = { result: "aborted" as const, reason, ...(detail === undefined ? {} : { detail }) };
    return this.#settle(record, "aborted", outcome);
  }

  async #finishCommit(record: TxRecord): Promise<TxRecord> {
    const pending: string[] = [];
    const now = this.#clock.now();
    const applied = await Promise.allSettled(this.#participants.map((participant) => participant.apply(record.id, record.member, now)));
    for (const [i, result] of applied.entries()) {
      if (result.status === "fulfilled") continue;
      if (dependencyFailure(result.reason) === null) throw result.reason;
      pending.push(this.#participants[i]!.name); // applied by recovery once the participant is back
    }
    return this.#settle(record, "committed", { result: "committed", ...(pending.length > 0 ? { pending } : {}) });
  }

  async #settle(record: TxRecord, state: TxRecord["state"], outcome: NonNullable<TxView["outcome"]>): Promise<TxRecord> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const next: TxRecord = { ...record, state, outcome, version: record.version + 1, updated_at: new Date(this.#clock.now()).toISOString() };
      const expected = record.version === 0 ? "" : record.version;
      if ((await this.#put(next, expected, RESOLVED_TX_TTL_SECONDS)) === "ok") {
        if (record.state !== state) await this.#announce(next);
        return next;
      }
      const raw = await this.#main.get<string>(txKeys(this.#team, record.id).record);
      if (raw === null) return next;
      record = JSON.parse(raw) as TxRecord;
      if (record.state === state && JSON.stringify(record.outcome) === JSON.stringify(outcome)) return record;
    }
    return record;
  }

  async #save(record: TxRecord, expectedVersion: number | undefined): Promise<void> {
    const result = await this.#put(record, expectedVersion ?? "", 0);
    if (result === "quota_exceeded") throw new TxQuotaExceeded(this.#openQuota!);
    if (result !== "ok") throw new TxAborted("lock_conflict", `transaction ${record.id} was changed by another request at the same time; it was aborted (add ops one at a time)`);
  }

  /** Writes the record if its version is `expected` ('' for a new one), and its place in the open index. */
  async #put(record: TxRecord, expected: number | "", keepSeconds: number): Promise<"ok" | "stale" | "quota_exceeded"> {
    const open = record.state === "open" ? record.expires_ms : "";
    const args = [expected, JSON.stringify(record), keepSeconds, record.id, open, quotaArg(this.#openQuota), this.#clock.now()];
    return (await putRecordScript.run(this.#main, [txKeys(this.#team, record.id).record, openTxKey(this.#team)], args)) as "ok" | "stale" | "quota_exceeded";
  }

  /**
   * Tells the team a transaction ended (after its ops' own changes). Best effort: the outcome is
   * already recorded, and a client that misses this still sees every change the ops made.
   */
  async #announce(record: TxRecord): Promise<void> {
    const type = record.state === "committed" ? "tx.committed" : "tx.aborted";
    const message = JSON.stringify({ type, team: this.#team, at: record.updated_at, by: record.member, tx: record.id });
    await this.#changes.append([{ channel: TX_CHANNEL, message }]).catch((error: unknown) => {
      if (dependencyFailure(error) === null) throw error;
    });
  }

  /** Records the decision unless one exists, and returns the one that stands. */
  async #recordDecision(id: string, wanted: "commit" | "abort"): Promise<"commit" | "abort"> {
    return (await decideScript.run(this.#main, [txKeys(this.#team, id).decision], [wanted, RESOLVED_TX_TTL_SECONDS * 7])) as "commit" | "abort";
  }

  #participantFor(type: TxOpInput["type"]): TxParticipant {
    const participant = this.#participants.find((p) => p.handles(type));
    if (participant === undefined) throw new Error(`no participant takes ${type}`);
    return participant;
  }

  async #decision(id: string): Promise<string | null> {
    return this.#main.get<string>(txKeys(this.#team, id).decision);
  }
}

export function viewOf(record: TxRecord): TxView {
  return {
    tx_id: record.id,
    state: record.state,
    created_at: record.created_at,
    updated_at: record.updated_at,
    expires_at: record.state === "open" ? new Date(record.expires_ms).toISOString() : null,
    ops: record.ops.map((op) => ({ type: op.type, id: op.id })),
    outcome: record.outcome,
  };
}

function involved(record: TxRecord): Participant[] {
  return [...new Set(record.ops.map((op) => op.participant))];
}

function assertOpen(record: TxRecord): void {
  if (record.state === "aborted") throw new TxAborted(record.outcome?.reason ?? "timeout", `transaction ${record.id} was aborted (${record.outcome?.reason ?? "timeout"})`);
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
