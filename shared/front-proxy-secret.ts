/**
 * Under `npm run dev` wrangler listens on a private port behind the front proxy (dev/front-proxy.ts),
 * which adds this header with a secret chosen per run; the worker refuses requests without it
 * (worker/limits/front-proxy-only.ts), so a local process cannot skip the proxy's protections
 * (client address, body limits, timeouts) by talking to the private port.
 */
export const FRONT_PROXY_SECRET_HEADER = "x-groupsync-front-proxy";
