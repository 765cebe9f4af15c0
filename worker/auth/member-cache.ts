import type { Member } from "../env.ts";

/**
 * Token -> member lookups, remembered in this isolate for a moment: otherwise every request spends
 * one of its two store round trips on authentication. A revoked token must stop working within a
 * second everywhere, so an entry is trusted alone for REFRESH_AFTER_MS, then served while it is
 * checked again in the background (the request does not wait), and never after EXPIRE_MS: under
 * steady use no request waits for the store, and a token deleted from it works at most EXPIRE_MS
 * longer. Only successful lookups are kept (an unknown token is asked again each time).
 */
export const REFRESH_AFTER_MS = 400;
export const EXPIRE_MS = 900;
/** How often a member's "last used" time is written, at most, from one isolate. */
export const LAST_USED_EVERY_MS = 60_000;
/** Last-used stamps noted within this long of the first go out together: one write per team, not one per member. */
export const LAST_USED_BATCH_MS = 250;
const MAX_ENTRIES = 10_000;

interface Entry {
  member: Member;
  checkedAt: number;
  refreshing: boolean;
}
const entries = new Map<string, Entry>();
const lastUsedWritten = new Map<string, number>();
/** Store reads under way, one per token: 500 sockets joining with one token make one read, not 500. */
const lookups = new Map<string, Promise<Member | null>>();
/** Last-used stamps not yet written: team -> member -> ISO time. */
const unwrittenUses = new Map<string, Record<string, string>>();

/** A remembered member, and whether the caller should check it again in the background. */
export type CachedLookup = { member: Member; refresh: boolean } | undefined;

export function cachedMember(tokenHash: string, now = Date.now()): CachedLookup {
  const entry = entries.get(tokenHash);
  if (entry === undefined) return undefined;
  const age = now - entry.checkedAt;
  if (age >= EXPIRE_MS || age < 0) {
    entries.delete(tokenHash);
    return undefined;
  }
  const refresh = age >= REFRESH_AFTER_MS && !entry.refreshing;
  if (refresh) entry.refreshing = true;
  return { member: entry.member, refresh };
}

export function rememberMember(tokenHash: string, member: Member, now = Date.now()): void {
  if (!entries.has(tokenHash) && entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  entries.set(tokenHash, { member, checkedAt: now, refreshing: false });
}

/**
 * The token's member as `read` finds it in the store, joining a read already under way for the same
 * token; what it finds is remembered (or forgotten, when the token is gone). A read that began
 * before forgetMember is not remembered: a revocation is never undone by a late answer.
 */
export function lookUpOnce(tokenHash: string, read: () => Promise<Member | null>, clock: () => number = Date.now): Promise<Member | null> {
  const running = lookups.get(tokenHash);
  if (running !== undefined) return running;
  const lookup: Promise<Member | null> = read()
    .then((member) => {
      if (lookups.get(tokenHash) !== lookup) return member;
      if (member === null) forgetMember(tokenHash);
      else rememberMember(tokenHash, member, clock());
      return member;
    })
    .finally(() => {
      if (lookups.get(tokenHash) === lookup) lookups.delete(tokenHash);
    });
  lookups.set(tokenHash, lookup);
  return lookup;
}

/** The token was revoked (or a background check found it gone): it stops working here at once. */
export function forgetMember(tokenHash: string): void {
  entries.delete(tokenHash);
  lastUsedWritten.delete(tokenHash);
  lookups.delete(tokenHash);
}

/** Whether this use should be written as the member's "last used" time (at most once a minute). */
export function lastUseDue(tokenHash: string, now = Date.now()): boolean {
  const written = lastUsedWritten.get(tokenHash);
  if (written !== undefined && now - written < LAST_USED_EVERY_MS && now >= written) return false;
  if (!lastUsedWritten.has(tokenHash) && lastUsedWritten.size >= MAX_ENTRIES) lastUsedWritten.delete(lastUsedWritten.keys().next().value!);
  lastUsedWritten.set(tokenHash, now);
  return true;
}

/**
 * Keeps a last-used stamp to be written with the others of its team. Answers whether the caller
 * should schedule the write (takeLastUses after LAST_USED_BATCH_MS): true for the first stamp since
 * the last take, so a burst of joins makes one write per team.
 */
export function queueLastUse(member: Member, at: string): boolean {
  const first = unwrittenUses.size === 0;
  let fields = unwrittenUses.get(member.team);
  if (fields === undefined) unwrittenUses.set(member.team, (fields = {}));
  fields[member.member] = at;
  return first;
}

/** Every stamp queued since the last take, by team (each team's members' fields for one HSET). */
export function takeLastUses(): Array<[team: string, fields: Record<string, string>]> {
  const taken = [...unwrittenUses];
  unwrittenUses.clear();
  return taken;
}
