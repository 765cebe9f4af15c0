import type { Member } from "../env.ts";

/**
 * Token -> member lookups, remembered in this isolate for a short while: otherwise every request
 * spends one of its two store round trips on authentication. Only successful lookups are kept
 * (an unknown token is asked again each time), and a token removed from the store stops working
 * here within TTL_MS.
 */
const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;
const entries = new Map<string, { member: Member; expires: number }>();

export function cachedMember(tokenHash: string, now = Date.now()): Member | undefined {
  const entry = entries.get(tokenHash);
  if (entry === undefined) return undefined;
  if (entry.expires <= now) {
    entries.delete(tokenHash);
    return undefined;
  }
  return entry.member;
}

export function rememberMember(tokenHash: string, member: Member, now = Date.now()): void {
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  entries.set(tokenHash, { member, expires: now + TTL_MS });
}
