import { z } from "zod";

export const TeamId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: "must be 1-63 lowercase letters, digits or '-'" });
export const MemberName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, { error: "must be 1-64 letters, digits, '-', '_' or '.'" });

/** POST /admin/teams */
export const TeamCreate = z.strictObject({
  team: TeamId,
  members: z.array(MemberName).min(1, { error: "must name at least one member" }).max(100),
});

/** POST /admin/teams/{team}/members */
export const MemberCreate = z.strictObject({ member: MemberName });

/** Tokens are shown once, when created; only their SHA-256 is stored. */
export const IssuedTokens = z.object({
  team: TeamId,
  tokens: z.record(z.string(), z.string()),
});
