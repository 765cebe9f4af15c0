import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { packColumns } from "../../dashboard/public/lib/column-layout.js";
// @ts-ignore
import { foldOverflow } from "../../dashboard/public/lib/column-overflow.js";

type Piece = { name: string; startMinute: number; endMinute: number; column: number; span: number; columns: number };

/** Packs pieces as the week view does, then folds them into `width` pixels (64 per event, a 28-pixel strip for chips). */
function fold(items: [name: string, start: number, end: number][], width: number) {
  const pieces: Piece[] = items.map(([name, startMinute, endMinute]) => ({ name, startMinute, endMinute, column: 0, span: 1, columns: 1 }));
  const slots: Map<{ start: number; end: number; piece: Piece }, { column: number; span: number; columns: number }> =
    packColumns(pieces.map((piece) => ({ start: piece.startMinute, end: piece.endMinute, piece })));
  for (const [{ piece }, slot] of slots) Object.assign(piece, slot);
  const { shown, more } = foldOverflow(pieces, { width, minEventWidth: 64, moreWidth: 28 });
  return {
    shown: Object.fromEntries((shown as (Piece & { reserve: boolean })[]).map((p) => [p.name, [p.column, p.span, p.columns, p.reserve]])),
    more: (more as { startMinute: number; endMinute: number; placements: Piece[] }[]).map((chip) => [chip.startMinute, chip.endMinute, chip.placements.map((p) => p.name)]),
  };
}

describe("foldOverflow", () => {
  it("leaves a cluster alone when its columns fit at the least width", () => {
    expect(fold([["a", 600, 690], ["b", 630, 690]], 140)).toEqual({ shown: { a: [0, 1, 2, false], b: [1, 1, 2, false] }, more: [] });
  });

  it("keeps the first columns that fit beside the chip strip and folds the rest into one chip", () => {
    // 140 px: two events fit, three do not; beside a 28 px strip only one does.
    const result = fold([["planning", 600, 690], ["sync", 630, 690], ["call", 645, 675]], 140);
    expect(result.shown).toEqual({ planning: [0, 1, 1, true] });
    expect(result.more).toEqual([[630, 690, ["sync", "call"]]]);
  });

  it("gives each folded run its own chip, and folds only the crowded cluster of the day", () => {
    const result = fold([
      ["a", 0, 240], ["b", 0, 60], ["c", 30, 90], ["f", 40, 80], ["d", 180, 240], ["e", 200, 220],
      ["lunch", 720, 780],
    ], 200);
    // 200 px fits three columns; the morning needs four, so two stay (200 - 28 = 172 px) and the rest folds.
    expect(result.shown).toEqual({ a: [0, 1, 2, true], b: [1, 1, 2, true], d: [1, 1, 2, true], lunch: [0, 1, 1, false] });
    expect(result.more).toEqual([[30, 90, ["c", "f"]], [200, 220, ["e"]]]);
  });

  it("narrows an event widened over folded columns to the ones kept", () => {
    // later widens over b's and c's columns once they are over; folded, it keeps only the kept one.
    const result = fold([["a", 0, 300], ["b", 0, 60], ["c", 0, 60], ["later", 120, 180]], 160);
    expect(result.shown.a).toEqual([0, 1, 2, true]);
    expect(result.shown.b).toEqual([1, 1, 2, true]);
    expect(result.shown.later).toEqual([1, 1, 2, true]);
    expect(result.more).toEqual([[0, 60, ["c"]]]);
  });

  it("folds nothing before the grid has a width to measure", () => {
    const result = fold([["a", 0, 60], ["b", 0, 60], ["c", 0, 60], ["d", 0, 60]], 0);
    expect(result.more).toEqual([]);
    expect(Object.keys(result.shown)).toHaveLength(4);
  });

  it("never draws two kept events over each other, nor an event over a chip (300 random events, three widths)", () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const items = Array.from({ length: 300 }, (_, i): [string, number, number] => { const start = Math.floor(random() * 1380); return [String(i), start, start + 15 + Math.floor(random() * 120)]; });
    for (const width of [100, 140, 300]) {
      const pieces: Piece[] = items.map(([name, startMinute, endMinute]) => ({ name, startMinute, endMinute, column: 0, span: 1, columns: 1 }));
      const slots: Map<{ piece: Piece }, { column: number; span: number; columns: number }> = packColumns(pieces.map((piece) => ({ start: piece.startMinute, end: piece.endMinute, piece })));
      for (const [{ piece }, slot] of slots) Object.assign(piece, slot);
      const { shown, more } = foldOverflow(pieces, { width, minEventWidth: 64, moreWidth: 28 }) as { shown: (Piece & { reserve: boolean })[]; more: { placements: Piece[] }[] };
      expect(shown.length + more.reduce((n, chip) => n + chip.placements.length, 0), "every event is drawn or in a chip").toBe(300);
      for (const p of shown) {
        const usable = p.reserve ? width - 28 : width;
        expect(usable / p.columns, `${p.name} is too narrow at ${width} px`).toBeGreaterThanOrEqual(64);
        expect(p.column + p.span).toBeLessThanOrEqual(p.columns);
      }
      for (const a of shown) for (const b of shown) {
        if (a === b || !(a.startMinute < b.endMinute && b.startMinute < a.endMinute)) continue;
        expect(a.column + a.span <= b.column || b.column + b.span <= a.column, `${a.name} and ${b.name} overlap on screen`).toBe(true);
      }
    }
  });
});
