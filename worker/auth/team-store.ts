import type { Redis } from "@upstash/redis/cloudflare";
import type { Member } from "../env.ts";
import { agentKeyKey, lastUsedKey, memberTokensKey, TEAM_KEY_PREFIX, TEAM_KEYS_MATCH, teamKey, teamMembersKey, TOKEN_KEY_PREFIX, tokenKey } from "./keys.ts";
import { cachedMember, forgetMember, LAST_USED_BATCH_MS, lastUseDue, lookUpOnce, queueLastUse, takeLastUses } from "./member-cache.ts";
import { addMemberScript, createTeamScript, deleteTeamScript, reissueTokenScript, revokeMemberScript } from "./scripts.ts";
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
export type ReissueTokenOutcome = { kind: "ok"; token: string } | { kind: "no_team" } | { kind: "no_member" } | Replayed;
export type RevokeMemberOutcome = { kind: "ok" } | { kind: "no_team" } | { kind: "no_member" };

function replayed(result: unknown): Replayed | undefined {
  if (!Array.isArray(result) || (result[0] !== "idem_replay" && result[0] !== "idem_reused")) return undefined;
  return result[0] === "idem_replay" ? { kind: "replay", record: String(result[1]) } : { kind: "key_reused" };
}

interface TokenRecord extends Member {
  created_at: string;
}
/** A member's entry in the member tokens hash: which token is theirs now. */
interface MemberTokenEntry {
  hash: string;
  created_at: string;
}

/** Runs work after the answer (waitUntil), or unawaited where there is no execution context. */
export type Background = (promise: Promise<unknown>) => void;
const unawaited: Background = (promise) => void promise.catch(() => {});

/**
 * The member a token belongs to, or null. Served from the isolate's cache when it can be (see
 * member-cache.ts), checking again in the background; notes the use for GET .../members.
 */
export async function memberForToken(redis: Redis, token: string, background: Background = unawaited): Promise<Member | null> {
  const hash = await hashToken(token);
  const cached = cachedMember(hash);
  if (cached !== undefined) {
    if (cached.refresh) background(lookUp(redis, hash).catch(() => forgetMember(hash)));
    noteUse(redis, hash, cached.member, background);
    return cached.member;
  }
  const member = await lookUp(redis, hash);
  if (member !== null) noteUse(redis, hash, member, background);
  return member;
}

/** One store read per token at a time, remembered by the cache (member-cache.ts). */
function lookUp(redis: Redis, hash: string): Promise<Member | null> {
  return lookUpOnce(hash, async () => {
    const raw = await redis.get<string>(tokenKey(hash));
    if (raw === null) return null;
    const record = JSON.parse(raw) as TokenRecord;
    return { team: record.team, member: record.member };
  });
}

/** When `token` was issued, or null if it no longer works (replaced, revoked, never issued). */
export async function tokenIssuedAt(redis: Redis, token: string): Promise<string | null> {
  const raw = await redis.get<string>(tokenKey(await hashToken(token)));
  return raw === null ? null : ((JSON.parse(raw) as TokenRecord).created_at ?? null);
}

/**
 * "Last used", written after the answer, at most once a minute per token and isolate, and batched:
 * the stamps noted within LAST_USED_BATCH_MS go out as one HSET per team.
 */
function noteUse(redis: Redis, hash: string, member: Member, background: Background): void {
  if (!lastUseDue(hash)) return;
  if (!queueLastUse(member, new Date().toISOString())) return; // the first stamp's request writes it
  background(
    (async () => {
      await new Promise((resolve) => setTimeout(resolve, LAST_USED_BATCH_MS));
      await Promise.all(takeLastUses().map(([team, fields]) => redis.hset(lastUsedKey(team), fields).catch(() => {})));
    })(),
  );
}

/** Creates a team with its members; returns each member's token (shown once, stored hashed). */
export async function createTeam(redis: Redis, team: string, members: string[], idem?: AdminIdempotency): Promise<CreateTeamOutcome> {
  const now = new Date().toISOString();
  const unique = [...new Set(members)];
  const tokens = Object.fromEntries(unique.map((member) => [member, newToken()]));
  const hashes = await Promise.all(unique.map((member) => hashToken(tokens[member]!)));
  const result = await createTeamScript.run(
    redis,
    [teamKey(team), teamMembersKey(team), memberTokensKey(team), ...hashes.map(tokenKey), ...idemKeys(idem?.key, idempotencyKeys.adminPlaceholder)],
    [
      JSON.stringify({ team, created_at: now }),
      ...unique,
      ...unique.map((member) => JSON.stringify({ team, member, created_at: now } satisfies TokenRecord)),
      ...hashes.map((hash) => JSON.stringify({ hash, created_at: now } satisfies MemberTokenEntry)),
      ...idemArgs(idem?.key, idem && (await idem.answer(tokens))),
    ],
  );
  return replayed(result) ?? (result === "ok" ? { kind: "ok", tokens } : { kind: "team_exists" });
}

export async function addMember(redis: Redis, team: string, member: string, idem?: AdminIdempotency): Promise<AddMemberOutcome> {
  const token = newToken();
  const hash = await hashToken(token);
  const now = new Date().toISOString();
  const result = await addMemberScript.run(
    redis,
    [teamKey(team), teamMembersKey(team), memberTokensKey(team), tokenKey(hash), ...idemKeys(idem?.key, idempotencyKeys.adminPlaceholder)],
    [
      member,
      JSON.stringify({ team, member, created_at: now } satisfies TokenRecord),
      JSON.stringify({ hash, created_at: now } satisfies MemberTokenEntry),
      ...idemArgs(idem?.key, idem && (await idem.answer({ [member]: token }))),
    ],
  );
  if (result === "ok") return { kind: "ok", token };
  if (result === "no_team" || result === "member_exists") return { kind: result };
  return replayed(result) ?? unexpected("add_member", result);
}

/** Attempts when the member's token changes between reading it and the script (another reissue). */
const MAX_TOKEN_ROUNDS = 3;

/**
 * A new token for a member; the old one is deleted in the same step and stops working in this
 * isolate at once (elsewhere within member-cache.ts's EXPIRE_MS). `idemKey` is the record's key
 * (admin: the admin's; POST /me/token: found by the old token, see keys.ts).
 */
export async function reissueToken(
  redis: Redis,
  team: string,
  member: string,
  idem?: AdminIdempotency,
  idemKey = idem?.key.key ?? idempotencyKeys.adminPlaceholder,
): Promise<ReissueTokenOutcome> {
  const token = newToken();
  const hash = await hashToken(token);
  const now = new Date().toISOString();
  const answer = idemArgs(idem?.key, idem && (await idem.answer({ [member]: token })));
  for (let round = 0; round < MAX_TOKEN_ROUNDS; round++) {
    const { current, legacy } = await tokensOf(redis, team, member);
    const keys = [teamKey(team), teamMembersKey(team), memberTokensKey(team), lastUsedKey(team), tokenKey(hash), idemKey, tokenKey(current || "none"), ...legacy];
    const result = await reissueTokenScript.run(redis, keys, [
      team,
      member,
      JSON.stringify({ team, member, created_at: now } satisfies TokenRecord),
      JSON.stringify({ hash, created_at: now } satisfies MemberTokenEntry),
      current,
      ...answer,
    ]);
    if (result === "stale") continue;
    if (result === "no_team" || result === "no_member") return { kind: result };
    const seen = replayed(result);
    if (seen !== undefined) return seen;
    forgetDropped(keys, result);
    return { kind: "ok", token };
  }
  throw new Error(`reissue_token: ${member}'s token kept changing`);
}

/** Removes a member from the team; their token stops working (see reissueToken). */
export async function revokeMember(redis: Redis, team: string, member: string): Promise<RevokeMemberOutcome> {
  for (let round = 0; round < MAX_TOKEN_ROUNDS; round++) {
    const { current, legacy } = await tokensOf(redis, team, member);
    const keys = [teamKey(team), teamMembersKey(team), memberTokensKey(team), lastUsedKey(team), tokenKey(current || "none"), ...legacy];
    const result = await revokeMemberScript.run(redis, keys, [team, member, current]);
    if (result === "stale") continue;
    if (result === "no_team" || result === "no_member") return { kind: result };
    forgetDropped(keys, result);
    return { kind: "ok" };
  }
  throw new Error(`revoke_member: ${member}'s token kept changing`);
}

/** The member's current token hash ('' for none) and, for members older than that record, their token keys. */
async function tokensOf(redis: Redis, team: string, member: string): Promise<{ current: string; legacy: string[] }> {
  const entry = await redis.hget<string>(memberTokensKey(team), member);
  if (entry !== null) return { current: (JSON.parse(String(entry)) as MemberTokenEntry).hash, legacy: [] };
  return { current: "", legacy: await legacyTokenKeys(redis, team, member) };
}

/** The tokens a script deleted (it answers their KEYS indices, 1-based) stop working in this isolate at once. */
function forgetDropped(keys: string[], result: unknown): void {
  if (!Array.isArray(result) || result[0] !== "ok") unexpected("token script", result);
  for (const index of result.slice(1)) forgetMember(keys[Number(index) - 1]!.slice(TOKEN_KEY_PREFIX.length));
}

function unexpected(script: string, result: unknown): never {
  throw new Error(`${script} answered ${JSON.stringify(result)}`);
}

/**
 * Tokens issued before the member tokens hash existed are found by nobody but their holder: for
 * a member missing from it, the token keys are scanned once (an admin's rare action, not a
 * request's). Members created since never take this path.
 */
async function legacyTokenKeys(redis: Redis, team: string, member: string): Promise<string[]> {
  if ((await redis.sismember(teamMembersKey(team), member)) === 0) return [];
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, { match: `${TOKEN_KEY_PREFIX}*`, count: 1000 });
    cursor = String(next);
    if (keys.length === 0) continue;
    const records = await redis.mget<(string | null)[]>(...keys);
    keys.forEach((key, i) => {
      const record = parseRecord(records[i] ?? null);
      if (record?.team === team && record.member === member) found.push(key);
    });
  } while (cursor !== "0");
  return found;
}

function parseRecord(raw: string | null): TokenRecord | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as TokenRecord;
  } catch {
    return null;
  }
}

export interface TeamSummary {
  team: string;
  created_at: string | null;
}

/** SCAN steps one page may take to find a team, so that a keyspace of mostly other keys gives few empty pages. */
const MAX_SCAN_STEPS = 10;

/** One page of teams (SCAN: a page may be short, rarely empty, while `next_cursor` is not null). */
export async function listTeams(redis: Redis, cursor: string, count: number): Promise<{ teams: TeamSummary[]; next_cursor: string | null }> {
  const names: string[] = [];
  let next = cursor;
  for (let step = 0; step < MAX_SCAN_STEPS && names.length === 0; step++) {
    const [after, keys] = await redis.scan(next, { match: TEAM_KEYS_MATCH, type: "string", count });
    next = String(after);
    names.push(...keys.map((key) => key.slice(TEAM_KEY_PREFIX.length)).filter((name) => !name.includes(":")));
    if (next === "0") break;
  }
  const records = names.length === 0 ? [] : await redis.mget<(string | null)[]>(...names.map(teamKey));
  const teams = names.map((team, i) => ({ team, created_at: parseCreatedAt(records[i] ?? null) })).sort((a, b) => a.team.localeCompare(b.team));
  return { teams, next_cursor: next === "0" ? null : next };
}

export interface MemberSummary {
  member: string;
  /** When the member's current token was issued (null: issued before this was recorded). */
  token_created_at: string | null;
  /** When it was last used, to the minute (null: not since it was issued, or not recorded). */
  last_used_at: string | null;
}

export async function listMembers(redis: Redis, team: string): Promise<MemberSummary[] | null> {
  const [exists, members, tokens, used] = await redis
    .pipeline()
    .exists(teamKey(team))
    .smembers(teamMembersKey(team))
    .hgetall(memberTokensKey(team))
    .hgetall(lastUsedKey(team))
    .exec<[number, string[], unknown, unknown]>();
  if (exists === 0) return null;
  const [tokenOf, usedAt] = [fieldsOf(tokens), fieldsOf(used)];
  return [...members].sort().map((member) => ({
    member,
    token_created_at: parseCreatedAt(tokenOf[member] ?? null),
    last_used_at: usedAt[member] ?? null,
  }));
}

/** HGETALL's reply: without automatic deserialisation (store-client.ts) it is the flat [field, value, ...] list. */
function fieldsOf(reply: unknown): Record<string, string> {
  if (Array.isArray(reply)) {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
    return fields;
  }
  return (reply ?? {}) as Record<string, string>;
}

function parseCreatedAt(raw: string | null): string | null {
  if (raw === null) return null;
  try {
    const value = (JSON.parse(raw) as { created_at?: unknown }).created_at;
    return typeof value === "string" ? value : null;
  } catch {
    return null;
  }
}

export type DeleteTeamRecordOutcome = "ok" | "no_team" | "members_left";

/** The team's record and membership keys, once no member is left (see deleteTeamScript). */
export async function deleteTeamRecord(redis: Redis, team: string): Promise<DeleteTeamRecordOutcome> {
  const result = await deleteTeamScript.run(redis, [teamKey(team), teamMembersKey(team), memberTokensKey(team), lastUsedKey(team), agentKeyKey(team)], []);
  if (result === "ok" || result === "no_team" || result === "members_left") return result;
  unexpected("delete_team", result);
}
