import type { NoSlotReason } from "../../shared/people.ts";
import { clipIntervals, mergeIntervals, subtractIntervals, type Interval } from "./intervals.ts";

export interface SlotSearchMember {
  name: string;
  /** Working time in the window (merged); null: no pattern set, any time counts. */
  working: Interval[] | null;
  /** Busy time (any order; merged here). */
  busy: Interval[];
}

export interface SlotSearch {
  from: number;
  to: number;
  durationMs: number;
  /** Slots start on multiples of this (ms since the epoch). */
  stepMs: number;
  members: SlotSearchMember[];
  /** A room's busy time, when the slot must be free there too. */
  roomBusy?: Interval[];
  /** How many members must be free (1..members.length). */
  required: number;
  limit: number;
}

export interface Slot {
  start: number;
  end: number;
  free: string[];
  busy: string[];
}

export type SlotSearchResult = { slots: Slot[]; reason: null } | { slots: []; reason: NoSlotReason };

/** The members a quorum (a share, 0 < q <= 1) needs free: at least one, rounding up. */
export function requiredMembers(quorum: number, members: number): number {
  return Math.min(members, Math.max(1, Math.ceil(quorum * members - 1e-9)));
}

/**
 * The earliest slots of the duration where at least `required` members are inside their working
 * hours and not busy (and the room, if any, is free): starts on the step grid, each slot after the
 * previous one ends, earliest first. Pure and deterministic: same input, same slots. When none
 * fits, the reason is the first that holds: too few members ever work together that long
 * (no_common_working_hours), members are free but the room never is (room_busy), or else all_busy.
 */
export function findSlots(search: SlotSearch): SlotSearchResult {
  const window = [{ start: search.from, end: search.to }];
  const workingOf = (m: SlotSearchMember) => (m.working === null ? window : clipIntervals(mergeIntervals(m.working), search.from, search.to));
  const free = search.members.map((m) => subtractIntervals(workingOf(m), mergeIntervals(m.busy)));
  const roomFree = search.roomBusy === undefined ? undefined : subtractIntervals(window, mergeIntervals(search.roomBusy));
  const slots = scan(search, free, roomFree, search.limit);
  if (slots.length > 0) return { slots, reason: null };
  if (scan(search, search.members.map(workingOf), undefined, 1).length === 0) return { slots: [], reason: "no_common_working_hours" };
  if (roomFree !== undefined && scan(search, free, undefined, 1).length > 0) return { slots: [], reason: "room_busy" };
  return { slots: [], reason: "all_busy" };
}

/** Walks the grid once; each member's (and the room's) free intervals are sorted and disjoint. */
function scan(search: SlotSearch, free: Interval[][], roomFree: Interval[] | undefined, limit: number): Slot[] {
  const { durationMs: length, stepMs: step } = search;
  const next = free.map(() => 0);
  let roomNext = 0;
  const slots: Slot[] = [];
  let start = Math.ceil(search.from / step) * step;
  while (start + length <= search.to && slots.length < limit) {
    const end = start + length;
    let roomOk = true;
    if (roomFree !== undefined) {
      // An interval that ends before this slot's end can hold no later slot either.
      while (roomNext < roomFree.length && roomFree[roomNext]!.end < end) roomNext++;
      roomOk = roomNext < roomFree.length && roomFree[roomNext]!.start <= start;
    }
    const freeNames: string[] = [];
    const busyNames: string[] = [];
    if (roomOk) {
      free.forEach((intervals, i) => {
        while (next[i]! < intervals.length && intervals[next[i]!]!.end < end) next[i]!++;
        const interval = intervals[next[i]!];
        (interval !== undefined && interval.start <= start ? freeNames : busyNames).push(search.members[i]!.name);
      });
    }
    if (roomOk && freeNames.length >= search.required) {
      slots.push({ start, end, free: freeNames, busy: busyNames });
      start = Math.ceil(end / step) * step;
    } else {
      start += step;
    }
  }
  return slots;
}
