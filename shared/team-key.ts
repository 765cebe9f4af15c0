import { z } from "zod";
import { textProblem } from "./fields.ts";

/** Team keys shorter than this are refused: HMAC is only as strong as its key. */
export const MIN_TEAM_KEY_LENGTH = 16;

/** Fewer distinct characters than this and a key is a pattern, not a secret ("aaaa…", "abab…"). */
export const MIN_TEAM_KEY_DISTINCT_CHARACTERS = 8;

/**
 * Why `key` is too weak to sign the team's messages, or null if it will do. HMAC is only as
 * strong as its key: 16 spaces or 16 `a`s are long enough and guessable at once.
 */
export function weakTeamKeyReason(key: string): string | null {
  // A lone surrogate has no UTF-8 form (every one signs as U+FFFD), and control characters are no key.
  const problem = textProblem(key);
  if (problem !== null) return problem;
  const characters = [...key];
  if (characters.length < MIN_TEAM_KEY_LENGTH) return `is too short (${characters.length} characters); use at least ${MIN_TEAM_KEY_LENGTH}`;
  if (key.trim() === "") return "is only whitespace";
  const distinct = new Set(characters).size;
  if (distinct < MIN_TEAM_KEY_DISTINCT_CHARACTERS) {
    return `is too easy to guess (only ${distinct} different characters); use a random one, e.g. openssl rand -base64 32`;
  }
  return null;
}

/** `GET`/`PUT /team/agent-key`: the key the team's agents sign with, which the worker's hub checks. */
export const AgentKeyBody = z.strictObject({
  team_key: z.string({ error: "is required: the team key, as the agents' GROUPSYNC_TEAM_KEY" }).max(1024, { error: "must be at most 1024 characters" }).superRefine((key, ctx) => {
    const weak = weakTeamKeyReason(key);
    if (weak !== null) ctx.addIssue({ code: "custom", message: weak });
  }),
});
export type AgentKeyBody = z.infer<typeof AgentKeyBody>;
