import type { Context } from "hono";
import type { Redis } from "@upstash/redis/cloudflare";
import { CALENDAR_HOLDING_TEAMS } from "../calendar/keys.ts";
import type { AppEnv, Env } from "../env.ts";
import { GOAL_HOLDING_TEAMS } from "../goals/keys.ts";
import { feedKeys } from "../live/feed.ts";
import { forEachKeyPage, teamDataMatch } from "../storage/scan-keys.ts";
import { mainStore, participantStore } from "../storage/stores.ts";
import { outboxFor } from "../webhooks/outbox-stub.ts";
import { closeRevokedSockets } from "./revoked-sockets.ts";
import { deleteTeamRecord, listMembers, revokeMember } from "./team-store.ts";

export type DeleteTeamOutcome = { kind: "ok"; deletedKeys: number } | { kind: "no_team" };

/** Rounds of "revoke everyone, then delete" before giving up on a team that keeps gaining members. */
const MAX_ROUNDS = 5;

/**
 * DELETE /admin/teams/{team}. In this order, so a retry after any failure finishes the job (the
 * team record goes last, and until then the team is listed and a retry finds it):
 * 1. every member's token is revoked through the usual path, their sockets closed (close code 4401);
 * 2. its webhook endpoints are removed from its outbox (a Durable Object, see removeWebhooks); every
 *    key of the team's data is deleted from each store: they all live under `gs:{team}:` (events,
 *    goals, transactions, focus rounds, the live feed, the timer, idempotency records...), found
 *    with SCAN, but for the feed's seq counter (see deleteTeamData); the team leaves the sweep's
 *    holding-teams sets;
 * 3. the team record and its membership keys (members, tokens, last used, agent key), atomically,
 *    only if no member was added meanwhile (else back to 1);
 * 4. the data keys once more: a write that an isolate still let through within its 1 s token cache
 *    landed after step 2.
 * Not deleted: rate-limit counters and admin Idempotency-Key records (they expire on their own),
 * the feed's seq counter, the hub's memory of the last seq it sent, and the outbox's record of the
 * feed position it has read (both Durable Objects outlive the team; the kept counter keeps them right).
 */
export async function deleteTeam(c: Context<AppEnv>, team: string): Promise<DeleteTeamOutcome> {
  const main = mainStore(c.env);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const members = await listMembers(main, team);
    if (members === null) return { kind: "no_team" };
    for (const { member } of members) {
      if ((await revokeMember(main, team, member)).kind === "ok") await closeRevokedSockets(c, team, member, "team deleted");
    }
    await removeWebhooks(c.env, team);
    let deletedKeys = await deleteTeamData(c.env, team);
    const outcome = await deleteTeamRecord(main, team);
    if (outcome === "no_team") return { kind: "no_team" }; // a concurrent DELETE finished first
    if (outcome === "members_left") continue;
    deletedKeys += await deleteTeamData(c.env, team);
    return { kind: "ok", deletedKeys };
  }
  throw new Error(`delete_team: members kept being added to ${team}`);
}

/**
 * The team's webhook endpoints live in its outbox's own storage, not in Redis: each is removed (with
 * what it was still owed), or a team created again under the name would deliver to them. An outbox
 * that cannot be reached fails the delete before the team record goes, so a retry finishes it.
 */
async function removeWebhooks(env: Env, team: string): Promise<void> {
  if (env.WEBHOOK_OUTBOX === undefined) return;
  const outbox = outboxFor(env, team);
  for (const endpoint of await outbox.list()) await outbox.remove(endpoint.id);
}

/** Every key under the team's hash tag, in each distinct store; how many were deleted. */
async function deleteTeamData(env: Env, team: string): Promise<number> {
  // One client per distinct store (storeRedis caches them by address), so a shared store is scanned once.
  const stores = new Set<Redis>([mainStore(env), participantStore(env, "calendar"), participantStore(env, "goals")]);
  // The feed's counter stays, so a recreated team's seqs come after the old ones: what remembers a
  // seq outside Redis (the hub's lastSeq in its Durable Object storage, which outlives the team; the
  // webhook outbox) never sees a seq it has already passed.
  const keptSeq = feedKeys(team).seq;
  let deleted = 0;
  for (const redis of stores) {
    // Team names are [a-z0-9-]: nothing in them is a glob character.
    await forEachKeyPage(redis, teamDataMatch(team), async (keys) => {
      const data = keys.filter((key) => key !== keptSeq);
      if (data.length > 0) deleted += await redis.unlink(...data);
    });
    await redis.zrem(CALENDAR_HOLDING_TEAMS, team);
    await redis.zrem(GOAL_HOLDING_TEAMS, team);
  }
  return deleted;
}
