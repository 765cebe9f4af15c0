import type { Context, MiddlewareHandler } from "hono";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { configOf, type AppEnv, type Config, type Member } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { countUnknownToken, countWrite } from "../limits/request-limits.ts";
import { waitUntilOf } from "../live/context.ts";
import { mainStore } from "../storage/stores.ts";
import { openTeamRefusal } from "./open-team.ts";
import { memberForToken } from "./team-store.ts";
import { BEARER_CHALLENGE, MALFORMED_AUTHORIZATION } from "../../shared/auth-header.ts";
import { authorizationOf } from "./tokens.ts";

/** An admin secret shorter than this is refused in production: it guards every team's tokens. */
export const MIN_ADMIN_SECRET_LENGTH = 24;

/** Why this deployment's ADMIN_SECRET is unfit, or null (only production is held to it). */
export function adminSecretProblem(config: Config): string | null {
  if (!config.production) return null;
  if (config.adminSecret === undefined) return "ADMIN_SECRET is not set, so no team can be created; set it with `wrangler secret put ADMIN_SECRET`.";
  if (config.adminSecret.length < MIN_ADMIN_SECRET_LENGTH) {
    return `ADMIN_SECRET is ${config.adminSecret.length} characters; production needs at least ${MIN_ADMIN_SECRET_LENGTH} (e.g. \`openssl rand -base64 32\`), set with \`wrangler secret put ADMIN_SECRET\`.`;
  }
  return null;
}

/** Why this deployment cannot serve team data, or null when its access settings are sound. */
export function accessMisconfiguration(config: Config): string | null {
  if (config.production && config.openTeam !== undefined) {
    return "GROUPSYNC_OPEN_TEAM is set, which lets anyone in without a token; it is for local development only. Remove it from the deployment.";
  }
  return adminSecretProblem(config);
}

/**
 * Every team route runs behind this: the bearer token names a team and a member, and everything
 * the handler reads or writes is scoped to that team. `allowQueryToken` is for calendar feeds,
 * which calendar apps fetch by URL and cannot add a header to.
 */
export function requireMember(options: { allowQueryToken?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Routers mount this on "/" and "/*", which both match their root: authenticate (and count) once.
    if ((c.get("member") as Member | undefined) === undefined) {
      const member = await authenticate(c, options);
      c.set("member", member);
      await countWrite(c, member);
    }
    await next();
  };
}

/** The calling member, or a 401/403/503 saying why not (requireMember, and routes that must look first). */
export async function authenticate(c: Context<AppEnv>, options: { allowQueryToken?: boolean } = {}): Promise<Member> {
  const config = configOf(c.env);
  const problem = accessMisconfiguration(config);
  if (problem !== null) throw new ApiError(503, CommonErrorCodes.misconfigured, problem);
  const sent = authorizationOf(c.req.header("authorization"));
  if (sent.kind === "malformed") throw unauthorized(MALFORMED_AUTHORIZATION);
  const queryToken = options.allowQueryToken ? (c.req.query("token") ?? null) : null;
  if (sent.kind === "bearer" && queryToken !== null) {
    // Serving either would hide that the caller sent two identities; which one it meant is its to say.
    throw new ApiError(400, CommonErrorCodes.badRequest, "send one credential: both an Authorization header and ?token= were given; drop one of them", {
      details: { credentials: ["Authorization", "token"] },
    });
  }
  const token = sent.kind === "bearer" ? sent.token : queryToken;
  if (token === null) return openTeamMember(c, config);
  const member = await memberForToken(mainStore(c.env), token, waitUntilOf(c));
  if (member === null) throw unauthorized("the token is not valid (revoked, replaced or never issued)", await countUnknownToken(c));
  return member;
}

function openTeamMember(c: Context<AppEnv>, config: Config): Member {
  const team = config.openTeam;
  if (team === undefined) throw unauthorized("send Authorization: Bearer <token>; an admin creates tokens with POST /admin/teams");
  const refusal = openTeamRefusal(
    {
      method: c.req.method,
      host: c.req.header("host") ?? new URL(c.req.url).host,
      origin: c.req.header("origin"),
      secFetchSite: c.req.header("sec-fetch-site"),
      webSocket: c.req.header("upgrade")?.toLowerCase() === "websocket",
    },
    config.allowedHosts,
  );
  if (refusal !== null) throw new ApiError(403, "open_team_refused", refusal);
  return { team, member: "anonymous" };
}

export function unauthorized(message: string, headers: Record<string, string> = {}): ApiError {
  return new ApiError(401, CommonErrorCodes.unauthorized, message, { headers: { "WWW-Authenticate": 'Bearer realm="groupsync"', ...headers } });
}
