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
const MAX_ENTRIES = 10_000;

interface Entry {
  member: Member;
  checkedAt: number;
  refreshing: boolean;
}
const entries = new Map<string, Entry>();
const lastUsedWritten = new Map<string, number>();

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

/** The token was revoked (or a background check found it gone): it stops working here at once. */
export function forgetMember(tokenHash: string): void {
  entries.delete(tokenHash);
  lastUsedWritten.delete(tokenHash);
}

/** Whether this use should be written as the member's "last used" time (at most once a minute). */
export function lastUseDue(tokenHash: string, now = Date.now()): boolean {
  const written = lastUsedWritten.get(tokenHash);
  if (written !== undefined && now - written < LAST_USED_EVERY_MS && now >= written) return false;
  if (!lastUsedWritten.has(tokenHash) && lastUsedWritten.size >= MAX_ENTRIES) lastUsedWritten.delete(lastUsedWritten.keys().next().value!);
  lastUsedWritten.set(tokenHash, now);
  return true;
}
