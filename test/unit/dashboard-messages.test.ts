import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { conflictMessage, describeError, formatTimeRange, HELD_BY_TRANSACTION, joinAnd, slotConflicts } from "../../dashboard/public/lib/messages.js";

const UTC = { locale: "en-GB", timeZone: "UTC" };

/** A 409 exactly as worker/calendar/routes.ts refuseConflict writes it. */
function slotTaken(conflicts: Array<{ id: string; title?: string; starts_at: string; ends_at: string }>) {
  return { code: "time_slot_taken", message: `2026-11-24T10:30:00.000Z to 2026-11-24T11:30:00.000Z on calendar team overlaps ${conflicts.map((c) => c.id).join(", ")}`, details: { conflicts } };
}

describe("conflictMessage", () => {
  it("names the event a booking collides with, by title and local time", () => {
    const error = slotTaken([{ id: "evt-1", title: "Design review", starts_at: "2026-11-24T10:00:00.000Z", ends_at: "2026-11-24T11:00:00.000Z" }]);
    expect(conflictMessage(error, UTC)).toBe("That time is taken: it overlaps “Design review” (Tue 24 Nov, 10:00–11:00).");
    expect(conflictMessage(error, { locale: "en-GB", timeZone: "Asia/Tokyo" })).toBe("That time is taken: it overlaps “Design review” (Tue 24 Nov, 19:00–20:00).");
  });

  it("lists every collision, uses the id when there is no title, and never names another member's transaction", () => {
    const error = slotTaken([
      { id: "standup", starts_at: "2026-11-24T09:45:00.000Z", ends_at: "2026-11-24T10:45:00.000Z" },
      { id: "evt-2", title: "Retro", starts_at: "2026-11-24T11:00:00.000Z", ends_at: "2026-11-24T12:00:00.000Z" },
      { id: HELD_BY_TRANSACTION, starts_at: "2026-11-24T12:00:00.000Z", ends_at: "2026-11-24T12:30:00.000Z" },
    ]);
    expect(conflictMessage(error, UTC)).toBe(
      "That time is taken: it overlaps “standup” (Tue 24 Nov, 09:45–10:45), “Retro” (Tue 24 Nov, 11:00–12:00) and a slot held by a transaction in progress (Tue 24 Nov, 12:00–12:30).",
    );
  });

  it("shows both days for an event across midnight", () => {
    expect(formatTimeRange("2026-11-24T22:00:00Z", "2026-11-25T02:00:00Z", UTC)).toBe("Tue 24 Nov, 22:00 – Wed 25 Nov, 02:00");
    expect(formatTimeRange("2026-11-24T22:00:00Z", "2026-11-25T00:00:00Z", UTC)).toBe("Tue 24 Nov, 22:00–00:00");
  });

  it("falls back to the server's message when details are missing or malformed", () => {
    expect(conflictMessage({ code: "time_slot_taken", message: "overlaps x" }, UTC)).toBe("That time is taken: overlaps x");
    expect(slotConflicts({ code: "time_slot_taken", message: "", details: { conflicts: [{ id: 3 }] } })).toEqual([]);
    expect(slotConflicts({ code: "not_found", message: "" })).toEqual([]);
  });
});

describe("describeError", () => {
  it("turns each refusal into a sentence for the page", () => {
    expect(describeError({ code: "precondition_failed", message: "If-Match…" }, { what: "the event" })).toBe("Someone changed the event meanwhile. The latest version is shown now; check it and try again.");
    expect(describeError({ code: "not_found", message: "no event with id x" }, { what: "the event" })).toBe("The event no longer exists; someone may have deleted it.");
    expect(describeError({ code: "network", message: "" })).toMatch(/cannot be reached/);
    expect(describeError({ code: "outcome_unknown", message: "…" }, { what: "the booking" })).toBe(
      "The server's storage did not answer in time, so the booking may or may not have been saved. Check before trying again: changes that landed show up here.",
    );
    // Validation messages come from the worker, which names the field.
    expect(describeError({ code: "validation_failed", message: "ends_at: must be after starts_at" })).toBe("ends_at: must be after starts_at");
    expect(describeError({ code: "time_slot_taken", message: "m", details: { conflicts: [{ id: "a", title: "A", starts_at: "2026-11-24T10:00:00Z", ends_at: "2026-11-24T11:00:00Z" }] } }, { format: UTC })).toContain("“A”");
  });

  it("joins lists the way people write them", () => {
    expect([joinAnd([]), joinAnd(["a"]), joinAnd(["a", "b"]), joinAnd(["a", "b", "c"])]).toEqual(["", "a", "a and b", "a, b and c"]);
  });
});
