import fc from "fast-check";
import ICAL from "ical.js";
import { RRuleTemporal } from "rrule-temporal";
import { describe, expect, it } from "vitest";
import { ExpansionTooLong, expandSeries } from "../../worker/calendar/recurrence/expand.ts";
import { parseRecurrence, WEEKDAYS } from "../../worker/calendar/recurrence/recurrence-lines.ts";
import { utcToLocal } from "../../worker/calendar/recurrence/zone-time.ts";

/**
 * Our expansion against two other expanders on random rules: rrule-temporal (Temporal's zoned
 * arithmetic) and ical.js (on the wall clock). Each gets some rules wrong (see expand.ts), so the
 * property is that ours agrees with at least one of them, and the run reports how often each
 * agreed. Start hours avoid DST gaps and overlaps in these zones (the corpus covers those).
 */
const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"];
const TAKE = 20;
/** Where our expansion's window ends; the others' starts past it are left out. */
const WINDOW_END = Date.UTC(2100, 0);

const rules = fc.record({
  freq: fc.constantFrom("DAILY", "WEEKLY", "MONTHLY", "YEARLY"),
  interval: fc.integer({ min: 1, max: 3 }),
  count: fc.option(fc.integer({ min: 1, max: TAKE }), { nil: undefined }),
  untilDays: fc.option(fc.integer({ min: 1, max: 900 }), { nil: undefined }),
  byMonth: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 }), { nil: undefined }),
  byMonthDay: fc.option(fc.uniqueArray(fc.integer({ min: -31, max: 31 }).filter((d) => d !== 0), { minLength: 1, maxLength: 3 }), { nil: undefined }),
  byDay: fc.option(fc.uniqueArray(fc.record({ pos: fc.constantFrom(0, 0, 1, 2, -1, -2, 4), day: fc.constantFrom(...WEEKDAYS) }), { minLength: 1, maxLength: 3, selector: (d) => d.day }), { nil: undefined }),
  wkst: fc.option(fc.constantFrom("MO", "SU"), { nil: undefined }),
});

const starts = fc.record({
  zone: fc.constantFrom(...ZONES),
  year: fc.integer({ min: 2020, max: 2030 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.constantFrom(0, 9, 12, 23),
  minute: fc.constantFrom(0, 30),
});

const pad = (n: number) => String(n).padStart(2, "0");
const basic = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d+/g, "");

/** Whether `theirs` (DTSTART left out) matches `ours` (DTSTART left out), given how each treats DTSTART. */
function agrees(ours: number[], theirs: number[], counted: boolean): boolean {
  const prefix = theirs.slice(0, ours.length);
  if (prefix.length !== ours.length || prefix.some((t, i) => t !== ours[i])) return false;
  // Ours ended (COUNT, UNTIL) or filled the page: theirs may hold one more where COUNT left DTSTART out.
  return ours.length >= TAKE - 1 || theirs.length - ours.length <= (counted ? 1 : 0);
}

describe("recurrence expansion agrees with a second expander", () => {
  it("on random rules in five zones", () => {
    const tally = { runs: 0, rruleTemporal: 0, icalJs: 0, unjudged: 0 };
    fc.assert(
      fc.property(rules, starts, (r, start) => {
        const parts = [`FREQ=${r.freq}`, `INTERVAL=${r.interval}`];
        if (r.byMonth) parts.push(`BYMONTH=${r.byMonth.join(",")}`);
        if (r.byMonthDay) parts.push(`BYMONTHDAY=${r.byMonthDay.join(",")}`);
        if (r.byDay) parts.push(`BYDAY=${r.byDay.map((d) => (d.pos === 0 ? d.day : `${d.pos}${d.day}`)).join(",")}`);
        if (r.wkst) parts.push(`WKST=${r.wkst}`);
        const dtText = `${start.year}${pad(start.month)}${pad(start.day)}T${pad(start.hour)}${pad(start.minute)}00`;
        const dtstart = Number(new RRuleTemporal({ rruleString: `DTSTART;TZID=${start.zone}:${dtText}\nRRULE:FREQ=DAILY;COUNT=1` }).all()[0]!.epochMilliseconds);
        const until = r.count === undefined && r.untilDays !== undefined ? dtstart + r.untilDays * 86_400_000 : undefined;
        const bounds = r.count !== undefined ? [`COUNT=${r.count}`] : until !== undefined ? [`UNTIL=${basic(until)}`] : [];
        const line = `RRULE:${[...parts, ...bounds].join(";")}`;
        const recurrence = parseRecurrence([line], start.zone);
        fc.pre(!Array.isArray(recurrence)); // rules we refuse (saying why) are not compared

        let all: number[];
        try {
          all = expandSeries({ start: dtstart, durationMs: 60_000, zone: start.zone, recurrence }, { from: 0, to: WINDOW_END }, TAKE).occurrences.map((o) => o.start);
        } catch (error) {
          // A rule that never recurs (MONTHLY;INTERVAL=2;BYMONTH=10 from March): refused at write.
          if (error instanceof ExpansionTooLong) return fc.pre(false);
          throw error;
        }
        expect(all[0]).toBe(dtstart); // DTSTART is always the first occurrence
        const ours = all.slice(1);
        const counted = r.count !== undefined;

        let viaTemporal: number[] | null = null;
        try {
          viaTemporal = new RRuleTemporal({ rruleString: `DTSTART;TZID=${start.zone}:${dtText}\n${line}` })
            .all((_, i) => i < TAKE + 1)
            .map((d) => Number(d.epochMilliseconds))
            .filter((t) => t !== dtstart && t < WINDOW_END);
        } catch {
          // a rule it refuses
        }
        // ical.js on the wall clock, UNTIL compared there (these start hours are never near a DST change).
        // Sparse filters (DAILY with BY parts; BYMONTH, BYMONTHDAY and BYDAY together) can keep its
        // next() searching for minutes, so it gives no opinion on those.
        const sparse = (r.freq === "DAILY" && (r.byMonth || r.byMonthDay || r.byDay)) || (r.byMonth && r.byMonthDay && r.byDay);
        let viaIcal: number[] | null = null;
        const ourLocal = ours.map((t) => utcToLocal(start.zone, t));
        if (!sparse) {
          const iterator = ICAL.Recur.fromString([...parts, ...(r.count !== undefined ? [`COUNT=${r.count}`] : [])].join(";")).iterator(
            ICAL.Time.fromData({ year: start.year, month: start.month, day: start.day, hour: start.hour, minute: start.minute, second: 0, isDate: false }),
          );
          const dtLocal = utcToLocal(start.zone, dtstart);
          viaIcal = [];
          for (let i = 0; i < TAKE + 1; i++) {
            const next = iterator.next();
            if (!next) break;
            const local = Date.UTC(next.year, next.month - 1, next.day, next.hour, next.minute, next.second);
            if (until !== undefined && local > utcToLocal(start.zone, until)) break;
            if (local >= utcToLocal(start.zone, WINDOW_END)) break;
            if (local !== dtLocal) viaIcal.push(local);
          }
        }

        const temporalAgrees = viaTemporal !== null && agrees(ours, viaTemporal, counted);
        const icalAgrees = viaIcal !== null && agrees(ourLocal, viaIcal, counted);
        tally.runs++;
        if (temporalAgrees) tally.rruleTemporal++;
        if (icalAgrees) tally.icalJs++;
        if (!temporalAgrees && !icalAgrees && (viaTemporal === null || viaIcal === null)) {
          tally.unjudged++; // one expander gave no opinion and the other disagrees: no second opinion to weigh it against
          return;
        }
        if (!temporalAgrees && !icalAgrees) {
          throw new Error(`${start.zone} ${dtText} ${line}\n ours ${ours.map(basic).join(" ")}\n rrule-temporal ${viaTemporal?.map(basic).join(" ")}\n ical.js ${viaIcal?.map(basic).join(" ")}`);
        }
      }),
      { numRuns: Number(process.env.RECURRENCE_RUNS ?? 200), endOnFailure: true },
    );
    console.log(`differential: ${tally.runs} rules; rrule-temporal agreed on ${tally.rruleTemporal}, ical.js on ${tally.icalJs}; ${tally.unjudged} unjudged`);
    expect(tally.runs).toBeGreaterThan(100);
  }, 120_000);
});
