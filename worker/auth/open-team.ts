/**
 * The dev open team (GROUPSYNC_OPEN_TEAM) lets token-less requests in as member "anonymous", so
 * the original README's `curl -d` examples work. Without a token there is no credential a browser
 * page could lack, so any page the developer opens could use it: these rules keep it to the
 * developer's own tools. A request the open team would serve is refused (403, saying why) when
 * - its Host is not this machine (ALLOWED_HOSTS; DNS rebinding makes evil.example resolve to
 *   127.0.0.1, and its page then talks to the worker with Host: evil.example);
 * - it changes something (not GET/HEAD/OPTIONS) and comes from a page on another origin
 *   (`Sec-Fetch-Site: cross-site`, or an `Origin` other than the worker's own): a cross-site
 *   `Content-Type: text/plain` POST needs no CORS preflight, so it would land;
 * - it is a WebSocket from a page on another origin (WebSockets are not bound by CORS at all).
 * Requests without Origin (curl, the agent, scripts) are not from a page and keep working.
 */
/** Its one setting (a `--var` under `npm run dev`): the host names it answers, comma-separated. */
export const DEFAULT_ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"];

export interface OpenTeamRequest {
  method: string;
  /** The Host header (host[:port]). */
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  webSocket: boolean;
}

/** Why the open team must not serve this request, or null when it may. */
export function openTeamRefusal(request: OpenTeamRequest, allowedHostsSetting: string | undefined): string | null {
  const allowed = allowedHosts(allowedHostsSetting);
  const host = hostnameOf(request.host ?? "");
  if (host === null || !allowed.includes(host)) {
    return `the open team answers only requests for ${allowed.join(", ")} (Host was ${JSON.stringify(request.host ?? "")}); set ALLOWED_HOSTS to add a name, or send a member token`;
  }
  const changes = !["GET", "HEAD", "OPTIONS"].includes(request.method.toUpperCase());
  if (!changes && !request.webSocket) return null;
  const what = request.webSocket ? "a WebSocket" : `a ${request.method.toUpperCase()}`;
  if (request.secFetchSite?.toLowerCase() === "cross-site") return `the open team refuses ${what} from a page on another site (Sec-Fetch-Site: cross-site); send a member token`;
  if (request.origin !== undefined && !isOwnOrigin(request.origin, request.host ?? "")) {
    return `the open team refuses ${what} from a page on another origin (Origin ${JSON.stringify(request.origin)}, not this worker's); send a member token`;
  }
  return null;
}

function allowedHosts(setting: string | undefined): string[] {
  const listed = (setting ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  return listed.length > 0 ? listed : DEFAULT_ALLOWED_HOSTS;
}

/** "127.0.0.1:8787" -> "127.0.0.1", "[::1]:8787" -> "[::1]"; null when it is not a host. */
function hostnameOf(host: string): string | null {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Whether the page's Origin is this worker's own: exactly `http://` and the Host, as a browser
 * serialises it (lower case, no default port, no leading zeros, no path). Anything else, another
 * scheme or spelling included, is no page of ours ("null" never is).
 */
function isOwnOrigin(origin: string, host: string): boolean {
  let canonical: string;
  try {
    canonical = new URL(`http://${host}`).host;
  } catch {
    return false;
  }
  return canonical === host && origin === `http://${host}`;
}
