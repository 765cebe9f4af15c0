import type { Redis } from "@upstash/redis/cloudflare";
import type { Member } from "../env.ts";
import { teamKey, teamMembersKey, tokenKey } from "./keys.ts";
import { cachedMember, rememberMember } from "./member-cache.ts";
import { addMemberScript, createTeamScript } from "./scripts.ts";
import { hashToken, newToken } from "./tokens.ts";
import { idemArgs, idemKeys, type Idempotency } from "../idempotency/idempotency.ts";
import { idempotencyKeys } from "../idempotency/keys.ts";

/** An admin write guarded by an Idempotency-Key: the record to check, and the answer to store with the change. */
export interface AdminIdempotency {
  key: Idempotency;
  /** Builds the stored answer from the tokens issued. */
  answer: (tokens: Record<string, string>) => Promise<string>;
}
/** The key's record was found: the first answer (`replay`), or the key was used for another request. */
export type Replayed = Replay | "key_reused";
/** A class, so it cannot be mistaken for a tokens record (whose keys are member names). */
export class Replay {
  readonly record: string;
  constructor(record: string) {
    this.record = record;
  }
}

function replayed(result: unknown): Replayed | undefined {
  if (!Array.isArray(result)) return undefined;
  return result[0] === "idem_replay" ? new Replay(String(result[1])) : "key_reused";
}

interface TokenRecord extends Member {
  created_at: string;
}

export async function memberForToken(redis: Redis, token: string): Promise<Member | null> {
  const hash = await hashToken(token);
  const cached = cachedMember(hash);
  if (cached !== undefined) return cached;
  const raw = await redis.get<string>(tokenKey(hash));
  if (raw === null) return null;
  const record = JSON.parse(raw) as TokenRecord;
  const member = { team: record.team, member: record.member };
  rememberMember(hash, member);
  return member;
}

/** Creates a team with its members; returns each member's token (shown once, stored hashed). */
export async function createTeam(redis: Redis, team: string, members: string[], idem?: AdminIdempotency): Promise<Record<string, string> | "team_exists" | Replayed> {
  const now = new Date().toISOString();
  const unique = [...new Set(members)];
  const tokens = Object.fromEntries(unique.map((member) => [member, newToken()]));
  const hashes = await Promise.all(unique.map((member) => hashToken(tokens[member]!)));
  const result = await createTeamScript.run(
    redis,
    [teamKey(team), teamMembersKey(team), ...hashes.map(tokenKey), ...idemKeys(idem?.key, idempotencyKeys.adminPlaceholder)],
    [
      JSON.stringify({ team, created_at: now }),
      ...unique,
      ...unique.map((member) => JSON.stringify({ team, member, created_at: now } satisfies TokenRecord)),
      ...idemArgs(idem?.key, idem && (await idem.answer(tokens))),
    ],
  );
  return replayed(result) ?? (result === "ok" ? tokens : "team_exists");
}

export async function addMember(redis: Redis, team: string, member: string, idem?: AdminIdempotency): Promise<string | "no_team" | "member_exists" | Replayed> {
  const token = newToken();
  const result = await addMemberScript.run(
    redis,
    [teamKey(team), teamMembersKey(team), tokenKey(await hashToken(token)), ...idemKeys(idem?.key, idempotencyKeys.adminPlaceholder)],
    [member, JSON.stringify({ team, member, created_at: new Date().toISOString() } satisfies TokenRecord), ...idemArgs(idem?.key, idem && (await idem.answer({ [member]: token })))],
  );
  return replayed(result) ?? (result === "ok" ? token : (result as "no_team" | "member_exists"));
}
