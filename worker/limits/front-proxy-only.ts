import type { MiddlewareHandler } from "hono";
import { FRONT_PROXY_SECRET_HEADER } from "../../shared/front-proxy-secret.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { secretsEqual } from "../auth/tokens.ts";

/**
 * Only when GROUPSYNC_FRONT_PROXY_SECRET is set (`npm run dev` sets it): a request must carry the
 * front proxy's secret header, else it came to wrangler's private port directly and would escape
 * the limits counted per client address (it could send any CF-Connecting-IP). Tests that start
 * workerd themselves set no secret and are unaffected.
 */
export function frontProxyOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.env?.GROUPSYNC_FRONT_PROXY_SECRET;
    if (expected) {
      const presented = c.req.header(FRONT_PROXY_SECRET_HEADER) ?? "";
      if (!(await secretsEqual(presented, expected))) {
        const where = c.env.GROUPSYNC_PUBLIC_URL || "the dev stack's public port";
        throw new ApiError(403, "use_public_port", `this is wrangler's private port; send requests to ${where} instead`, {
          details: { use: c.env.GROUPSYNC_PUBLIC_URL || null },
        });
      }
    }
    await next();
  };
}
