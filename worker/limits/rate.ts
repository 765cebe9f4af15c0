import { parseDuration } from "../../shared/instant.ts";

/** At most `limit` per fixed window of `windowMs` (the window starts on a multiple of its length). */
export interface Rate {
  limit: number;
  windowMs: number;
}

/**
 * A rate as written in a setting: "<count>/<duration>" ("10/1m", "300/1m", "5/10s"), or "off".
 * Returns the rate, null for "off", or what is wrong with the text (for the ConfigError).
 */
export function parseRate(text: string): Rate | null | { problem: string } {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "off") return null;
  const match = /^(\d+)\s*\/\s*(\S+)$/.exec(trimmed);
  if (match === null) return { problem: "is not a rate; write it as <count>/<duration>, like 10/1m or 300/1m, or off" };
  const limit = Number(match[1]);
  if (!Number.isSafeInteger(limit) || limit < 1) return { problem: "allows no request at all; the count must be 1 or more (or the whole setting off)" };
  let windowMs: number;
  try {
    windowMs = parseDuration(match[2]!);
  } catch {
    return { problem: `has a window "${match[2]}" that is not a duration; write it like 1m, 10s or 500ms` };
  }
  if (windowMs < 1) return { problem: "has a window shorter than 1 ms" };
  return { limit, windowMs };
}

/** A quota as written in a setting: a whole number of 1 or more, or "off". */
export function parseQuota(text: string): number | null | { problem: string } {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "off") return null;
  const count = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(count) || count < 1) return { problem: "must be a whole number of 1 or more, or off" };
  return count;
}
