import { readCapped } from "../read-capped.ts";
import { endpointUrlProblem } from "../webhooks/endpoint-url.ts";

export const FETCH_TIMEOUT_MS = 10_000;
/** The largest calendar read; a bigger one fails (a year of a busy calendar is well under 1 MB). */
export const MAX_ICS_BYTES = 2 * 1024 * 1024;
const MAX_REDIRECTS = 3;

export type IcsFetch = { kind: "fetched"; text: string; etag: string | null } | { kind: "not_modified" } | { kind: "failed"; error: string };

/**
 * GETs a calendar: with If-None-Match when an ETag is known (304: not_modified), at most
 * FETCH_TIMEOUT_MS for the whole answer and MAX_ICS_BYTES of it, redirects followed by hand so
 * each hop is checked as the first was (in production no loopback or private address, the
 * webhooks' rule). Never throws: every way it goes wrong is a failed outcome saying why.
 */
export async function fetchIcs(url: string, etag: string | null, production: boolean, fetcher: typeof fetch = fetch): Promise<IcsFetch> {
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  let target = url;
  try {
    for (let hop = 0; ; hop++) {
      const problem = endpointUrlProblem(target, production);
      if (problem !== null) return { kind: "failed", error: `${hop === 0 ? "the URL" : `redirect ${hop} (${target})`} ${problem}` };
      const headers: Record<string, string> = { accept: "text/calendar, */*;q=0.5", "user-agent": "GroupSync (external calendar)" };
      if (etag !== null) headers["if-none-match"] = etag;
      const res = await fetcher(target, { headers, redirect: "manual", signal });
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel();
        const location = res.headers.get("location");
        if (location === null || hop >= MAX_REDIRECTS) return { kind: "failed", error: location === null ? `answered ${res.status} without Location` : `more than ${MAX_REDIRECTS} redirects` };
        target = new URL(location, target).toString();
        continue;
      }
      if (res.status === 304) {
        await res.body?.cancel();
        return { kind: "not_modified" };
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        return { kind: "failed", error: `answered HTTP ${res.status}` };
      }
      const text = await readText(res);
      if (text === null) return { kind: "failed", error: `is larger than ${MAX_ICS_BYTES} bytes` };
      if (!text.includes("BEGIN:VCALENDAR")) return { kind: "failed", error: "is not an iCalendar file (no BEGIN:VCALENDAR)" };
      return { kind: "fetched", text, etag: res.headers.get("etag") };
    }
  } catch (error) {
    if (signal.aborted) return { kind: "failed", error: `took longer than ${FETCH_TIMEOUT_MS / 1000} s` };
    return { kind: "failed", error: `could not be fetched: ${(error as Error).message}` };
  }
}

/** The body as text, or null once it passes the cap (the rest is not read). */
async function readText(res: Response): Promise<string | null> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > MAX_ICS_BYTES) {
    await res.body?.cancel();
    return null;
  }
  if (res.body === null) return "";
  const bytes = await readCapped(res.body, MAX_ICS_BYTES);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}
