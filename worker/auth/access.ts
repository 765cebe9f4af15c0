import type { Context, MiddlewareHandler } from "hono";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { configOf, type AppEnv, type Config } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { mainStore } from "../storage/stores.ts";
import { memberForToken } from "./team-store.ts";
import { bearerToken } from "./tokens.ts";

/** Why this deployment cannot serve team data, or null when its access settings are sound. */
export function accessMisconfiguration(config: Config): string | null {
  if (config.production && config.openTeam !== undefined) {
    return "GROUPSYNC_OPEN_TEAM is set, which lets anyone in without a token; it is for local development only. Remove it from the deployment.";
  }
  if (config.production && config.adminSecret === undefined) {
    return "ADMIN_SECRET is not set, so no team can be created; set it with `wrangler secret put ADMIN_SECRET`.";
  }
  return null;
}

/**
 * Every team route runs behind this: the bearer token names a team and a member, and everything
 * the handler reads or writes is scoped to that team. `allowQueryToken` is for calendar feeds,
 * which calendar apps fetch by URL and cannot add a header to.
 */
export function requireMember(options: { allowQueryToken?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const problem = accessMisconfiguration(configOf(c.env));
    if (problem !== null) throw new ApiError(503, CommonErrorCodes.misconfigured, problem);
    const token = bearerToken(c.req.header("authorization")) ?? (options.allowQueryToken ? c.req.query("token") ?? null : null);
    c.set("member", await identify(c, token));
    await next();
  };
}

async function identify(c: Context<AppEnv>, token: string | null) {
  if (token === null) {
    const openTeam = configOf(c.env).openTeam;
    if (openTeam !== undefined) return { team: openTeam, member: "anonymous" };
    throw unauthorized("send Authorization: Bearer <token>; an admin creates tokens with POST /admin/teams");
  }
  const member = await memberForToken(mainStore(c.env), token);
  if (member === null) throw unauthorized("the token is not valid");
  return member;
}

function unauthorized(message: string): ApiError {
  return new ApiError(401, CommonErrorCodes.unauthorized, message, { headers: { "WWW-Authenticate": 'Bearer realm="groupsync"' } });
}
