/**
 * Lines the dev supervisor relays from its children (wrangler, workerd, the gateway, Redis) may
 * quote a request's URL or headers: workerd logs `FetchEventInfo: GET, http://…/ws?token=gs_…` when a
 * socket fails. A terminal, a pasted log or a CI artifact must not carry a working member token, so
 * every `token=<value>`, `Bearer <value>` and bare `gs_…` token keeps its first 4 characters only,
 * enough to tell two apart.
 */
const SECRETS: RegExp[] = [
  // token=, access_token=, …: up to the next separator of a query string or a log line.
  /(token=)([^&\s"'#<>,;]+)/gi,
  /(bearer\s+)([^\s"',;]+)/gi,
  // A member token anywhere else (a JSON body, a path).
  /()(\bgs_[A-Za-z0-9_-]{8,})/g,
];

export function redactSecrets(line: string): string {
  let redacted = line;
  for (const pattern of SECRETS) redacted = redacted.replace(pattern, (_, prefix: string, value: string) => prefix + hide(value));
  return redacted;
}

function hide(value: string): string {
  if (value.endsWith("…[redacted]")) return value; // already done by an earlier pattern
  return `${value.length > 8 ? value.slice(0, 4) : ""}…[redacted]`;
}
