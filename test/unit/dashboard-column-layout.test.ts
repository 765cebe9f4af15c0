import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { packColumns } from "../../dashboard/public/lib/column-layout.js";

type Item = { name: string; start: number; end: number };
const item = (name: string, start: number, end: number): Item => ({ name, start, end });

function layout(items: Item[]): Record<string, [column: number, span: number, columns: number]> {
  const slots: Map<Item, { column: number; span: number; columns: number }> = packColumns(items);
  return Object.fromEntries(items.map((i) => { const s = slots.get(i)!; return [i.name, [s.column, s.span, s.columns]]; }));
}

describe("packColumns", () => {
  it("gives an event alone the full width", () => {
    expect(layout([item("a", 60, 120)])).toEqual({ a: [0, 1, 1] });
  });

  it("puts two overlapping events side by side, half each", () => {
    expect(layout([item("a", 60, 120), item("b", 90, 150)])).toEqual({ a: [0, 1, 2], b: [1, 1, 2] });
  });

  it("keeps back-to-back events full width: [start, end) intervals do not overlap", () => {
    expect(layout([item("a", 60, 120), item("b", 120, 180)])).toEqual({ a: [0, 1, 1], b: [0, 1, 1] });
  });

  it("reuses a column once its event is over, and widens events over columns free during their time", () => {
    // a spans the morning; b and c overlap each other early; d comes after b and c and can take their two columns.
    const result = layout([item("a", 0, 240), item("b", 0, 60), item("c", 30, 90), item("d", 120, 180)]);
    expect(result).toEqual({ a: [0, 1, 3], b: [1, 1, 3], c: [2, 1, 3], d: [1, 2, 3] });
  });

  it("sizes each cluster by its own busiest moment, not the day's", () => {
    const result = layout([item("a", 0, 60), item("b", 0, 60), item("c", 0, 60), item("later", 300, 360)]);
    expect(result.later).toEqual([0, 1, 1]);
    expect([result.a, result.b, result.c].map((slot) => slot?.[2])).toEqual([3, 3, 3]);
    expect(new Set([result.a, result.b, result.c].map((slot) => slot?.[0]))).toEqual(new Set([0, 1, 2]));
  });

  it("orders longer events first at the same start, so the long one gets the left column", () => {
    expect(layout([item("short", 60, 75), item("long", 60, 180)])).toEqual({ long: [0, 1, 2], short: [1, 1, 2] });
  });

  it("never lets two events of one column overlap (300 random events)", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const items = Array.from({ length: 300 }, (_, i) => { const start = Math.floor(random() * 1380); return item(String(i), start, start + 15 + Math.floor(random() * 120)); });
    const slots: Map<Item, { column: number; span: number; columns: number }> = packColumns(items);
    for (const a of items) for (const b of items) {
      if (a === b || !(a.start < b.end && b.start < a.end)) continue;
      const sa = slots.get(a)!, sb = slots.get(b)!;
      const apart = sa.column + sa.span <= sb.column || sb.column + sb.span <= sa.column;
      expect(apart, `${a.name} and ${b.name} overlap on screen`).toBe(true);
    }
  });
});
