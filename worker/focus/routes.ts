import { Hono } from "hono";
import { FocusSessionsQuery } from "../../shared/focus.ts";
import { parseInstant } from "../../shared/instant.ts";
import { requireMember } from "../auth/access.ts";
import type { AppEnv } from "../env.ts";
import { hubFor } from "../live/hub-stub.ts";
import { readQuery } from "../request.ts";
import { decodeCursor, encodeCursor } from "../storage/cursor.ts";
import { mainStore } from "../storage/stores.ts";
import { listRounds } from "./focus-reader.ts";

/** /focus (mounted there): the team's focus history. */
export const focusRoutes = new Hono<AppEnv>();
focusRoutes.use("/*", requireMember());

focusRoutes.get("/sessions", async (c) => {
  const query = readQuery(c, FocusSessionsQuery);
  const { team } = c.get("member");
  // Rounds a timer the worker keeps finished by its deadline alone are recorded on the way.
  await hubFor(c.env, team).settleFocus(team);
  const filter = { from: instantMs(query.from, 0), to: instantMs(query.to, Number.MAX_SAFE_INTEGER), member: query.member };
  const page = await listRounds(mainStore(c.env), team, filter, query.limit, query.cursor === undefined ? undefined : decodeCursor(query.cursor));
  return c.json({ sessions: page.rounds, next_cursor: page.next === null ? null : encodeCursor(page.next) });
});

function instantMs(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const parsed = parseInstant(text);
  return typeof parsed === "number" ? parsed : fallback;
}
