import { describe, expect, it } from "vitest";
import { formatInstant, overlaps, parseDuration, parseInstant } from "../../shared/instant.ts";

describe("parseInstant", () => {
  it("reads offsets as the same UTC instant", () => {
    expect(parseInstant("2026-01-15T14:00:00Z")).toBe(Date.UTC(2026, 0, 15, 14));
    expect(parseInstant("2026-01-15T16:00:00+02:00")).toBe(Date.UTC(2026, 0, 15, 14));
    expect(parseInstant("2026-01-15T09:30:00-0430")).toBe(Date.UTC(2026, 0, 15, 14));
  });

  it("reads a date-time without offset as UTC, as the original README's examples need", () => {
    expect(parseInstant("2024-01-15T10:00:00")).toBe(Date.UTC(2024, 0, 15, 10));
    expect(parseInstant("2024-01-15T10:00")).toBe(Date.UTC(2024, 0, 15, 10));
  });

  it("keeps milliseconds and ignores finer digits", () => {
    expect(parseInstant("2026-01-15T14:00:00.123456Z")).toBe(Date.UTC(2026, 0, 15, 14, 0, 0, 123));
  });

  it.each([
    ["tomorrow", /ISO 8601/],
    ["2026-01-15", /ISO 8601/],
    ["2026-02-30T10:00:00Z", /day 30/],
    ["2025-02-29T10:00:00Z", /day 29/],
    ["2026-13-01T10:00:00Z", /month 13/],
    ["2026-01-01T24:00:00Z", /time of day/],
    ["2026-01-01T10:00:00+25:00", /offset/],
    ["1969-12-31T23:59:59Z", /1970 to 9999/],
    ["", /ISO 8601/],
  ])("rejects %j, saying why", (text, why) => {
    expect(parseInstant(text)).toMatch(why);
  });

  it("accepts 29 February in a leap year", () => {
    expect(typeof parseInstant("2024-02-29T10:00:00Z")).toBe("number");
  });
});

describe("formatInstant", () => {
  it("answers in UTC with a Z", () => {
    expect(formatInstant(Date.UTC(2026, 0, 15, 14))).toBe("2026-01-15T14:00:00.000Z");
  });
});

describe("overlaps", () => {
  const at = (h1: number, h2: number) => ({ start: h1 * 60, end: h2 * 60 });
  it("treats intervals as half-open: back-to-back does not overlap", () => {
    expect(overlaps(at(10, 11), at(11, 12))).toBe(false);
    expect(overlaps(at(11, 12), at(10, 11))).toBe(false);
  });
  it("catches partial overlap, containment and equality", () => {
    expect(overlaps({ start: 840, end: 900 }, { start: 870, end: 930 })).toBe(true);
    expect(overlaps(at(9, 17), at(12, 13))).toBe(true);
    expect(overlaps(at(12, 13), at(9, 17))).toBe(true);
    expect(overlaps(at(10, 11), at(10, 11))).toBe(true);
  });
});

describe("parseDuration", () => {
  it.each([["25m", 1_500_000], ["1h30m", 5_400_000], ["90s", 90_000], ["500ms", 500], ["2d", 172_800_000]])("%s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(["", "25", "m", "25 minutes", "1h 30m", "-5m"])("rejects %j", (text) => {
    expect(() => parseDuration(text)).toThrow(/not a duration/);
  });
});
