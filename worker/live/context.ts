import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { ChangeSink } from "./changes.ts";

/** The change sink of the calling member's team, delivering to the hub after the response. */
export function changesFor(c: Context<AppEnv>): ChangeSink {
  return new ChangeSink(c.env, c.get("member").team, waitUntilOf(c));
}

export function waitUntilOf(c: Context<AppEnv>): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return undefined; // no execution context (app.request in tests): delivery still runs, unawaited
  }
}
