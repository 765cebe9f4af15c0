import { formatInstant, MAX_INSTANT_MS } from "../../shared/instant.ts";
import { invalid } from "../request.ts";
import { decodeCursor, type Cursor } from "../storage/cursor.ts";
import { instantMs } from "./store.ts";

/** The window and page a calendar listing asks for (GET /events, GET /holds): the same rules for both. */
export function listWindow(query: { from?: string; to?: string; cursor?: string }): { from: number; to: number; cursor?: Cursor } {
  const from = query.from === undefined ? 0 : instantMs(query.from);
  const to = query.to === undefined ? MAX_INSTANT_MS + 1 : instantMs(query.to);
  if (to <= from) throw invalid([{ field: "to", message: `must be after from (${formatInstant(from)})` }]);
  return { from, to, cursor: query.cursor === undefined ? undefined : decodeCursor(query.cursor) };
}
