import type { Redis } from "@upstash/redis/cloudflare";
import type { Member } from "../env.ts";
import { teamKey, teamMembersKey, tokenKey } from "./keys.ts";
import { cachedMember, rememberMember } from "./member-cache.ts";
import { addMemberScript, createTeamScript } from "./scripts.ts";
import { hashToken, newToken } from "./tokens.ts";

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
export async function createTeam(redis: Redis, team: string, members: string[]): Promise<Record<string, string> | "team_exists"> {
  const now = new Date().toISOString();
  const unique = [...new Set(members)];
  const tokens = Object.fromEntries(unique.map((member) => [member, newToken()]));
  const hashes = await Promise.all(unique.map((member) => hashToken(tokens[member]!)));
  const result = await createTeamScript.run(
    redis,
    [teamKey(team), teamMembersKey(team), ...hashes.map(tokenKey)],
    [
      JSON.stringify({ team, created_at: now }),
      ...unique,
      ...unique.map((member) => JSON.stringify({ team, member, created_at: now } satisfies TokenRecord)),
    ],
  );
  return result === "ok" ? tokens : "team_exists";
}

export async function addMember(redis: Redis, team: string, member: string): Promise<string | "no_team" | "member_exists"> {
  const token = newToken();
  const result = await addMemberScript.run(
    redis,
    [teamKey(team), teamMembersKey(team), tokenKey(await hashToken(token))],
    [member, JSON.stringify({ team, member, created_at: new Date().toISOString() } satisfies TokenRecord)],
  );
  return result === "ok" ? token : (result as "no_team" | "member_exists");
}
