import { MAX_INSTANT_MS } from "../../shared/instant.ts";
import { offsetAt } from "./recurrence/zone-time.ts";

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** A feed names at most this span of a zone's history (years of two transitions each). */
const MAX_SPAN_MS = 100 * 366 * DAY_MS;

/**
 * RFC 5545 VTIMEZONE for an IANA zone over [from, to], from the runtime's own zone data (Intl):
 * the offset at `from` as the first observance, then one observance per transition, each with its
 * exact onset. No RRULEs: readers need not agree with us on a rule, only on the transitions listed,
 * which are the ones every occurrence in the feed falls between.
 */
export function vtimezone(zone: string, from: number, to: number): string {
  const start = Math.floor(from / DAY_MS) * DAY_MS - DAY_MS;
  const end = Math.min(to + DAY_MS, start + MAX_SPAN_MS, MAX_INSTANT_MS);
  const first = offsetAt(zone, start);
  const lines = ["BEGIN:VTIMEZONE", `TZID:${zone}`, ...observance("STANDARD", start, first, first)];
  let offset = first;
  for (let t = start; t < end; t += WEEK_MS) {
    const next = Math.min(t + WEEK_MS, end);
    if (offsetAt(zone, next) === offset) continue;
    // Narrow the change down to the second.
    let lo = t;
    let hi = next;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (offsetAt(zone, mid) === offset) lo = mid;
      else hi = mid;
    }
    const after = offsetAt(zone, hi);
    lines.push(...observance(after > offset ? "DAYLIGHT" : "STANDARD", hi, offset, after));
    offset = after;
    t = hi - WEEK_MS; // go on from the change: a zone may change again within the week
  }
  lines.push("END:VTIMEZONE");
  return lines.join("\r\n") + "\r\n";
}

/** An observance whose onset is `instant`, written (as RFC 5545 wants) on the wall clock in force before it. */
function observance(kind: "STANDARD" | "DAYLIGHT", instant: number, from: number, to: number): string[] {
  return [`BEGIN:${kind}`, `DTSTART:${localText(instant + from)}`, `TZOFFSETFROM:${offsetText(from)}`, `TZOFFSETTO:${offsetText(to)}`, `END:${kind}`];
}

/** Local ms as an RFC 5545 floating DATE-TIME, "20260329T020000". */
export function localText(local: number): string {
  return new Date(local).toISOString().slice(0, 19).replace(/[-:]/g, "");
}

function offsetText(ms: number): string {
  const sign = ms < 0 ? "-" : "+";
  const total = Math.abs(ms) / 1000;
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const two = (n: number) => String(n).padStart(2, "0");
  return `${sign}${two(h)}${two(m)}${s === 0 ? "" : two(s)}`;
}
