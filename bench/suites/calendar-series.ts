import { httpSender } from "../load.ts";
import { ratioOfRounds, summarise, type Ratio, type Row } from "../report.ts";
import type { BenchContext } from "../run.ts";
import { p50Latency, sideBySide } from "../side-by-side.ts";
import { teamToken } from "./calendar-api.ts";

const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;
const WEEKLY_TWO_YEARS = ["RRULE:FREQ=WEEKLY;COUNT=104"];

/**
 * Series through the calendar API (issue #17): every occurrence is an entry of the calendar's
 * sorted sets, checked in the write's Lua step, so
 * - booking a weekly series of two years (104 occurrences) against one plain POST /events, side
 *   by side: what checking and writing 104 entries costs over one; and a weekly series without an
 *   end beside them (materialised to its horizon, about 110 occurrences, and the horizon set);
 * - POST /events on a calendar holding 100 such series (10,400 entries) against an empty one:
 *   whether a booking's check reads only its own slot whatever else the calendar holds.
 */
export async function calendarSeriesSection(ctx: BenchContext): Promise<{ rows: Row[]; ratios: Ratio[] }> {
  const auth = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
  const halfHour = (start: number) => ({ starts_at: new Date(start).toISOString(), ends_at: new Date(start + 30 * MINUTE).toISOString() });

  // 1. A series (each on a calendar of its own, so none meets another) against a plain booking.
  const writer = await teamToken(ctx, "bench-series-writes");
  const seriesStart = Date.UTC(2041, 0, 7, 9); // a Monday
  let seriesCount = 0;
  let plainCount = 0;
  const series = httpSender({
    url: `${ctx.workerUrl}/events`,
    method: "POST",
    headers: auth(writer),
    body: () => JSON.stringify({ title: "Series", calendar: `s${seriesCount++}`, recurrence: WEEKLY_TWO_YEARS, ...halfHour(seriesStart) }),
    concurrency: 1,
    expectStatus: 201,
  });
  const plain = httpSender({
    url: `${ctx.workerUrl}/events`,
    method: "POST",
    headers: auth(writer),
    body: () => JSON.stringify({ title: "Plain", ...halfHour(Date.UTC(2045, 0, 1) + plainCount++ * 30 * MINUTE) }),
    concurrency: 1,
    expectStatus: 201,
  });
  // Without an end: from a week ahead (it must start before its horizon), each on a calendar of its own.
  const openStart = Math.floor((Date.now() + WEEK) / MINUTE) * MINUTE;
  let openCount = 0;
  const open = httpSender({
    url: `${ctx.workerUrl}/events`,
    method: "POST",
    headers: auth(writer),
    body: () => JSON.stringify({ title: "Open", calendar: `o${openCount++}`, recurrence: ["RRULE:FREQ=WEEKLY"], ...halfHour(openStart) }),
    concurrency: 1,
    expectStatus: 201,
  });
  const booked = await sideBySide(ctx, 1, { series: series.send, plain: plain.send, open: open.send });
  series.close();
  plain.close();
  open.close();

  // 2. Plain bookings in free half hours between 100 weekly series, against the same on an empty team.
  const busy = await teamToken(ctx, "bench-series-busy");
  const empty = await teamToken(ctx, "bench-series-empty");
  const base = Date.UTC(2043, 0, 5); // a Monday
  for (let k = 0; k < 100; k++) {
    const res = await fetch(`${ctx.workerUrl}/events`, { method: "POST", headers: auth(busy), body: JSON.stringify({ title: `Series ${k}`, recurrence: WEEKLY_TWO_YEARS, ...halfHour(base + k * 30 * MINUTE) }) });
    if (res.status !== 201) throw new Error(`seeding series ${k} answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }
  // The series take the week's first 100 half hours; slot j is one of the other 236, week by week.
  const freeSlot = (j: number) => base + Math.floor(j / 236) * WEEK + (100 + (j % 236)) * 30 * MINUTE;
  const sender = (token: string) => {
    let next = 0;
    return httpSender({ url: `${ctx.workerUrl}/events`, method: "POST", headers: auth(token), body: () => JSON.stringify({ title: "Between", ...halfHour(freeSlot(next++)) }), concurrency: 1, expectStatus: 201 });
  };
  const onBusy = sender(busy);
  const onEmpty = sender(empty);
  const between = await sideBySide(ctx, 1, { busy: onBusy.send, empty: onEmpty.send });
  onBusy.close();
  onEmpty.close();

  return {
    rows: [
      summarise("calendar", "POST /events weekly series, 104 occurrences", 1, booked.series),
      summarise("calendar", "POST /events plain (beside the series)", 1, booked.plain),
      summarise("calendar", "POST /events weekly series without an end (to its horizon)", 1, booked.open),
      summarise("calendar", "POST /events on a calendar of 100 series", 1, between.busy),
      summarise("calendar", "POST /events on an empty calendar (beside it)", 1, between.empty),
    ],
    ratios: [
      { suite: "calendar", name: "series of 104 occurrences over one plain POST /events, p50", value: ratioOfRounds(booked.series, booked.plain, p50Latency), explains: "target <= 3" },
      { suite: "calendar", name: "series without an end (about 110 occurrences) over one plain POST /events, p50", value: ratioOfRounds(booked.open, booked.plain, p50Latency), explains: "for information" },
      { suite: "calendar", name: "POST /events on a calendar of 100 series over an empty one, p50", value: ratioOfRounds(between.busy, between.empty, p50Latency), explains: "target <= 1.5" },
    ],
  };
}
