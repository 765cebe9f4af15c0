/**
 * Idempotency-Key records. A member's keys live under the team's hash tag, next to the data they
 * guard, so the write script that makes a change can write the record in the same atomic step:
 *   gs:{team}:idem:<member>:<sha-256 of the key>   the first answer given to that key (24 h)
 * Admin routes have no team: their keys are the admin's own, in the main store:
 *   gs:admin:idem:<sha-256 of the key>
 * A script that takes an idempotency key always gets a key in KEYS; without a header it gets the
 * placeholder (`...:idem:-`), never read or written.
 */
export const idempotencyKeys = {
  member: (team: string, member: string, keyHash: string) => `gs:{${team}}:idem:${member}:${keyHash}`,
  memberPlaceholder: (team: string) => `gs:{${team}}:idem:-`,
  admin: (keyHash: string) => `gs:admin:idem:${keyHash}`,
  adminPlaceholder: "gs:admin:idem:-",
};

/** How long a key's record is kept: the same key within this long replays the first answer. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** How long an in-progress marker (multi-step routes: transactions) holds a key before it lapses. */
export const IDEMPOTENCY_LEASE_SECONDS = 30;
