/**
 * The master's waiting room for timer commands. Commands issued at about the same moment on
 * different members reach the master in whatever order the network picks; holding each one for
 * `settleMs` (master time) after it arrives lets the slower ones catch up, and the held commands are
 * then applied in Lamport order (time, then node id). So commands issued within the same instant are
 * applied in the same order whoever is master and whatever the network did — the one order every
 * member then sees in the master's heartbeats.
 *
 * A command that arrives more than `settleMs` after a later-stamped one was applied is still applied
 * (late, not lost). We always wait the full settle time rather than applying at once when nothing
 * else is queued: the master cannot see commands still in flight, and 20 ms is not noticeable.
 */
import { compareStamps, stampKey, type LamportStamp } from "../../shared/lamport.ts";
import type { TimerCommand } from "../../shared/pomodoro.ts";

export interface StampedCommand {
  readonly stamp: LamportStamp;
  readonly command: TimerCommand;
}

interface Waiting extends StampedCommand {
  readonly receivedAt: number;
}

/** Sorted by stamp. */
export type CommandQueue = readonly Waiting[];

export const EMPTY_QUEUE: CommandQueue = [];

/** Adds a command unless one with the same stamp is already waiting (a retry or a duplicated message). */
export function enqueue(queue: CommandQueue, command: StampedCommand, receivedAt: number): CommandQueue {
  const key = stampKey(command.stamp);
  if (queue.some((waiting) => stampKey(waiting.stamp) === key)) return queue;
  return [...queue, { stamp: command.stamp, command: command.command, receivedAt }].sort((a, b) => compareStamps(a.stamp, b.stamp));
}

/**
 * Takes commands from the front, in stamp order, while the front one has waited `settleMs`.
 * A settled command waits behind an unsettled earlier-stamped one, at most `settleMs` longer.
 */
export function takeSettled(
  queue: CommandQueue,
  now: number,
  settleMs: number,
): { readonly ready: StampedCommand[]; readonly rest: CommandQueue } {
  let count = 0;
  while (count < queue.length && queue[count]!.receivedAt + settleMs <= now) count += 1;
  if (count === 0) return { ready: [], rest: queue };
  return { ready: queue.slice(0, count).map(({ stamp, command }) => ({ stamp, command })), rest: queue.slice(count) };
}

/** Everything still waiting, in stamp order, settled or not (for a master that must leave now). */
export function takeAll(queue: CommandQueue): StampedCommand[] {
  return queue.map(({ stamp, command }) => ({ stamp, command }));
}
