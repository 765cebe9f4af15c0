import { invalid } from "../request.ts";

/** A page position: the score and member of the last item returned (ties on score sort by member). */
export interface Cursor {
  score: number;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return btoa(JSON.stringify([cursor.score, cursor.id])).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeCursor(text: string): Cursor {
  try {
    const [score, id] = JSON.parse(atob(text.replaceAll("-", "+").replaceAll("_", "/"))) as unknown[];
    if (typeof score === "number" && Number.isFinite(score) && typeof id === "string") return { score, id };
  } catch {
    // fall through
  }
  throw invalid([{ field: "cursor", message: "is not a cursor this API gave out; use next_cursor from the previous page" }]);
}

/** Whether (score, id) comes after the cursor in (score, member) order. */
export function isAfter(score: number, id: string, cursor: Cursor | undefined): boolean {
  return cursor === undefined || score > cursor.score || (score === cursor.score && id > cursor.id);
}
