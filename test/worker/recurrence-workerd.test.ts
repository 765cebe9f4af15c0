import { describe, expect, it } from "vitest";
import { corpus, expandCase, wallClock } from "../unit/recurrence/corpus.ts";

/** The expansion corpus again, inside workerd: its ICU zone data and Intl must give the same starts as Node's. */
describe("recurrence expansion in workerd", () => {
  it("gives the corpus's starts", () => {
    for (const c of corpus) {
      const shown = expandCase(c).map((ms, i) => (c.expect[i]?.endsWith("Z") ? new Date(ms).toISOString().replace(":00.000Z", "Z") : wallClock(c.zone, ms)));
      expect(shown, c.name).toEqual(c.expect);
    }
  });
});
