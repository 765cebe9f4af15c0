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
export type Replayed = { kind: "replay"; record: string } | { kind: "key_reused" };

/** One outcome type per operation, matched exhaustively at the edge (http-outcomes.ts). */
export type CreateTeamOutcome = { kind: "ok"; tokens: Record<string, string> } | { kind: "team_exists" } | Replayed;
export type AddMemberOutcome = { kind: "ok"; token: string } | { kind: "no_team" } | { kind: "member_exists" } | Replayed;

function replayed(result: unknown): Replayed | undefined {
  if (!Array.isArray(result)) return undefined;
  return result[0] === "idem_replay" ? { kind: "replay", record: String(result[1]) } : { kind: "key_reused" };
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
export async function createTeam(redis: Redis, team: string, members: string[], idem?: AdminIdempotency): Promise<CreateTeamOutcome> {
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
  return replayed(result) ?? (result === "ok" ? { kind: "ok", tokens } : { kind: "team_exists" });
}

export async function addMember(redis: Redis, team: string, member: string, idem?: AdminIdempotency): Promise<AddMemberOutcome> {
  const token = newToken();
  const result = await addMemberScript.run(
    redis,
    [teamKey(team), teamMembersKey(team), tokenKey(await hashToken(token)), ...idemKeys(idem?.key, idempotencyKeys.adminPlaceholder)],
    [member, JSON.stringify({ team, member, created_at: new Date().toISOString() } satisfies TokenRecord), ...idemArgs(idem?.key, idem && (await idem.answer({ [member]: token })))],
  );
  if (result === "ok") return { kind: "ok", token };
  if (result === "no_team" || result === "member_exists") return { kind: result };
  return replayed(result) ?? unexpected(result);
}

function unexpected(result: unknown): never {
  throw new Error(`add_member answered ${JSON.stringify(result)}`);
}
