/**
 * The rule every member applies when two histories of one session meet again: after a partition
 * heals, after a frozen master wakes, or when a new master finds a member that knows a command it
 * missed. Pure functions over plain data, so every member computes the same answer from the same
 * inputs, whatever order the messages arrived in.
 *
 * Two questions, answered separately:
 * - **Who is master**: the higher term wins; equal terms, the lower node id wins. Terms still fence
 *   stale masters (a frozen one wakes to a higher term and steps down), and the tie-break makes two
 *   masters elected apart in the same term agree without a new election.
 * - **Which timer**: the timer state whose newest command (the highest Lamport stamp of any command
 *   applied into it) is later wins; equal stamps, the higher state version (term, then seq) wins;
 *   equal again, the master keeps its own. So the side that acted last keeps what it did, whichever
 *   side provides the master, and a side that did nothing never undoes the other's commands.
 * The commands that only the losing timer had are reported as overridden on every member
 * (`command_overridden`), never silently dropped.
 */
import { compareStamps, stampKey, type LamportStamp } from "../../shared/lamport.ts";
import type { AppliedCommand, NodeId, StateVersion } from "./messages.ts";

/** What decides which of two timer states wins. */
export interface StateRank {
  readonly stateStamp: LamportStamp | null;
  readonly stateVersion: StateVersion;
}

/** > 0 when `a` is the later state, < 0 when `b` is, 0 when neither wins. */
export function compareStates(a: StateRank, b: StateRank): number {
  if (a.stateStamp === null || b.stateStamp === null) {
    if (a.stateStamp !== b.stateStamp) return a.stateStamp === null ? -1 : 1;
  } else {
    const byStamp = compareStamps(a.stateStamp, b.stateStamp);
    if (byStamp !== 0) return byStamp;
  }
  if (a.stateVersion.term !== b.stateVersion.term) return a.stateVersion.term - b.stateVersion.term;
  return a.stateVersion.seq - b.stateVersion.seq;
}

/** The later of two stamps (null is earlier than any). */
export function laterStamp(a: LamportStamp | null, b: LamportStamp | null): LamportStamp | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareStamps(a, b) >= 0 ? a : b;
}

/** Whether master `a` beats master `b`: higher term, then lower id. */
export function outranks(a: { readonly term: number; readonly id: NodeId }, b: { readonly term: number; readonly id: NodeId }): boolean {
  if (a.term !== b.term) return a.term > b.term;
  return a.id < b.id;
}

/**
 * The entries of a losing history that the winning one does not have. `winnerKeys` are stamp keys
 * (stampKey) of what the winning history holds, which may be only its latest commands: entries of
 * the loser older than the first one both share are taken as common history; after it, every entry
 * the winner lacks counts (a command both sides applied, e.g. resent to the new master during the
 * heal, does not hide the ones before it). With no shared entry at all, every entry the winner lacks
 * counts: the histories parted before the oldest entry the winner sent.
 */
export function divergentEntries(loser: readonly AppliedCommand[], winnerKeys: ReadonlySet<string>): AppliedCommand[] {
  const firstShared = loser.findIndex((entry) => winnerKeys.has(stampKey(entry.stamp)));
  return loser.slice(Math.max(0, firstShared)).filter((entry) => !winnerKeys.has(stampKey(entry.stamp)));
}
