import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { expandSeries } from "../../worker/calendar/recurrence/expand.ts";
import { parseRecurrence } from "../../worker/calendar/recurrence/recurrence-lines.ts";
import { corpus, expandCase, expandCorpus, wallClock } from "./recurrence/corpus.ts";

describe("recurrence expansion: the corpus", () => {
  for (const c of corpus) {
    it(c.name, () => {
      const starts = expandCase(c);
      const shown = starts.map((ms, i) => (c.expect[i]?.endsWith("Z") ? new Date(ms).toISOString().replace(":00.000Z", "Z") : wallClock(c.zone, ms)));
      expect(shown).toEqual(c.expect);
    });
  }
});

describe("recurrence expansion: windows", () => {
  const daily = parseRecurrence(["RRULE:FREQ=DAILY"], "Europe/Berlin");
  if (Array.isArray(daily)) throw new Error("fixture");
  const series = { start: Date.UTC(2026, 0, 1, 8), durationMs: 2 * 3_600_000, zone: "Europe/Berlin", recurrence: daily };

  it("takes the occurrences overlapping [from, to), including one that began before from", () => {
    const { occurrences, more } = expandSeries(series, { from: Date.UTC(2026, 5, 10, 9), to: Date.UTC(2026, 5, 12, 7) }, 10);
    // Summer: 09:00 CEST is 07:00Z; the Jun 10 one runs 07:00-09:00Z and is still on at 09:00Z? No: it ends at 09:00Z.
    expect(occurrences.map((o) => new Date(o.start).toISOString())).toEqual(["2026-06-11T07:00:00.000Z"]);
    expect(more).toBe(false);
    const overlapping = expandSeries(series, { from: Date.UTC(2026, 5, 10, 8, 59), to: Date.UTC(2026, 5, 10, 9) }, 10);
    expect(overlapping.occurrences).toEqual([{ start: Date.UTC(2026, 5, 10, 7), end: Date.UTC(2026, 5, 10, 9) }]);
  });

  it("stops at the limit and says there are more", () => {
    const { occurrences, more } = expandSeries(series, { from: 0, to: Date.UTC(2030, 0) }, 3);
    expect(occurrences).toHaveLength(3);
    expect(more).toBe(true);
  });

  it("reaches a window ten years out without walking into the step bound", () => {
    const { occurrences } = expandSeries(series, { from: Date.UTC(2036, 0, 1), to: Date.UTC(2036, 0, 3) }, 10);
    expect(occurrences.map((o) => wallClock("Europe/Berlin", o.start))).toEqual(["2036-01-01 09:00", "2036-01-02 09:00"]);
  });

  it("keeps the start's milliseconds on every occurrence", () => {
    const { occurrences } = expandSeries({ ...series, start: series.start + 250 }, { from: 0, to: Date.UTC(2026, 0, 3) }, 5);
    expect(occurrences.map((o) => o.start % 1000)).toEqual([250, 250]);
  });
});

describe("recurrence expansion: independent of the process's TZ", () => {
  const script = fileURLToPath(new URL("./recurrence/print-corpus.ts", import.meta.url));
  const here = expandCorpus();
  for (const tz of ["Pacific/Chatham", "America/St_Johns"]) {
    it(`gives the same starts under TZ=${tz}`, () => {
      const output = execFileSync(process.execPath, [script], { env: { ...process.env, TZ: tz }, encoding: "utf8" });
      // The child really ran in that zone (so this test can fail): its local offset differs from ours.
      const childOffset = execFileSync(process.execPath, ["-e", "process.stdout.write(String(new Date(Date.UTC(2026,0,1)).getTimezoneOffset()))"], { env: { ...process.env, TZ: tz }, encoding: "utf8" });
      expect(Number(childOffset)).not.toBe(0);
      expect(JSON.parse(output)).toEqual(here);
    });
  }
});
