import { Hono } from "hono";
import { HoldList, HoldListQuery } from "../../shared/calendar.ts";
import { requireMember } from "../auth/access.ts";
import { documented, type ApiOperation } from "../api-doc.ts";
import type { AppEnv } from "../env.ts";
import { taggedJson } from "../preconditions.ts";
import { readQuery } from "../request.ts";
import { encodeCursor } from "../storage/cursor.ts";
import { participantStore } from "../storage/stores.ts";
import { listHolds } from "./holds.ts";
import { listWindow } from "./list-window.ts";

/** /holds (mounted there): the slots open transactions hold, as busy time without what is booked. */
export const holdRoutes = new Hono<AppEnv>();
holdRoutes.use("/", requireMember());

const LIST_HOLDS: ApiOperation = {
  operationId: "listHolds",
  summary: "List the slots open transactions hold in a window",
  description:
    "Busy time that GET /events leaves out: what your team's open transactions hold for the events they create or change (a series: each occurrence), until they commit (the slot becomes an event) or abort (it is free). No titles, event ids or transaction ids, not even your own. A transaction whose lease has ended is not listed. Same window, calendar and paging rules as GET /events; sorted by start (then calendar), paged (go on while next_cursor is not null). The live feed's tx.committed and tx.aborted changes are when to read it again. The ETag is of this page's content.",
  tag: "calendar",
  auth: "member",
  query: HoldListQuery,
  conditional: "etag",
  store: "read",
  responses: { 200: { description: "A page of holds", json: HoldList, headers: ["ETag", "Cache-Control"] } },
};

holdRoutes.get("/", documented(LIST_HOLDS, async (c) => {
  const query = readQuery(c, HoldListQuery);
  const page = await listHolds(participantStore(c.env, "calendar"), c.get("member").team, { ...listWindow(query), calendar: query.calendar, limit: query.limit, now: Date.now() });
  return taggedJson(c, { holds: page.holds, next_cursor: page.next === null ? null : encodeCursor(page.next) });
}));
