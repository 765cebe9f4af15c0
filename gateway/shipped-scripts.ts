import { RATELIMIT_SCRIPT_SHA1S } from "../worker/limits/ratelimit-scripts.ts";
import { ALL_SCRIPTS } from "../worker/storage/all-scripts.ts";

/**
 * The SHA-1 of every Lua script GroupSync sends: the worker's own (worker/**\/scripts.ts, listed in
 * worker/storage/all-scripts.ts with their precomputed SHA-1s) and @upstash/ratelimit's. The
 * gateway runs no other script: a token holder could otherwise freeze Redis with
 * `EVAL "while true do end" 0` (a script cannot be interrupted while it runs).
 */
export const SHIPPED_SCRIPT_SHA1S: ReadonlySet<string> = new Set([...ALL_SCRIPTS.map((script) => script.sha1), ...Object.values(RATELIMIT_SCRIPT_SHA1S)]);
