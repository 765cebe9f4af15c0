import { z } from "zod";
import { NAME_OF_LETTERS_AND_DIGITS, nameField } from "./fields.ts";

export const TeamId = nameField({ max: 63, first: /[a-z0-9]/, rest: /[a-z0-9-]/, characters: "lowercase letters, digits or '-'", startsWith: "a lowercase letter or digit" });
export const MemberName = nameField(NAME_OF_LETTERS_AND_DIGITS);

/** Most members POST /admin/teams creates at once; more join with POST /admin/teams/{team}/members. */
export const MAX_MEMBERS_AT_CREATION = 100;

/** POST /admin/teams */
export const TeamCreate = z.strictObject({
  team: TeamId,
  members: z
    .array(MemberName)
    .min(1, { error: "must name at least one member" })
    .max(MAX_MEMBERS_AT_CREATION, { error: (issue) => `names ${Array.isArray(issue.input) ? issue.input.length : "too many"} members; at most ${MAX_MEMBERS_AT_CREATION} can be named when a team is created (add more with POST /admin/teams/{team}/members)` })
    // Each member gets one token: a name given twice would silently get one (and an answer with fewer tokens than names).
    .superRefine((members, ctx) => {
      const seen = new Set<string>();
      members.forEach((member, index) => {
        if (seen.has(member)) ctx.addIssue({ code: "custom", path: [index], message: `${member} is listed more than once; list each member once` });
        seen.add(member);
      });
    }),
});

/** POST /admin/teams/{team}/members */
export const MemberCreate = z.strictObject({ member: MemberName });

/** Tokens are shown once, when created; only their SHA-256 is stored. */
export const IssuedTokens = z.object({
  team: TeamId,
  tokens: z.record(z.string(), z.string()),
});

/** GET /admin/teams?cursor=&limit= (SCAN: a page may be short; go on while next_cursor is not null). */
export const TeamListQuery = z.strictObject({
  // A Redis SCAN cursor: an unsigned 64-bit number, so digits up to 18446744073709551615.
  cursor: z
    .string()
    .regex(/^\d{1,20}$/, { error: "must be the next_cursor of the previous page (digits)" })
    .refine((text) => !/^\d{1,20}$/.test(text) || BigInt(text) <= 0xffff_ffff_ffff_ffffn, { error: "must be the next_cursor of the previous page (at most 18446744073709551615)" })
    .default("0"),
  limit: z.coerce.number({ error: "must be a whole number" }).int({ error: "must be a whole number" }).min(1, { error: "must be 1 or more" }).max(1000, { error: "must be at most 1000" }).default(100),
});
export const TeamList = z.object({
  teams: z.array(z.object({ team: TeamId, created_at: z.string().nullable() })),
  next_cursor: z.string().nullable(),
});

/** GET /me/team: who you are and who else is on your team (names only: token details are the admin's). */
export const MyTeam = z.object({
  team: TeamId,
  member: MemberName,
  members: z.array(z.object({ member: MemberName })),
});

/** GET /admin/teams/{team}/members */
export const MemberList = z.object({
  team: TeamId,
  members: z.array(
    z.object({
      member: MemberName,
      token_created_at: z.string().nullable().meta({ description: "When the member's current token was issued (null for tokens issued before this was recorded)" }),
      last_used_at: z.string().nullable().meta({ description: "When the token was last used, to within a minute (null: not since it was issued)" }),
    }),
  ),
});
