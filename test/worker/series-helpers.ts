import { expect } from "vitest";
import { newTeam, type client } from "./api.ts";

/** What the series tests read of a listed event (an occurrence carries series_id and occurrence_start). */
export type ListedEvent = {
  id: string;
  title: string;
  description: string;
  starts_at: string;
  ends_at: string;
  series_id?: string;
  occurrence_start?: string;
  recurrence?: string[];
  version: number;
  overrides?: Array<{ occurrence_start: string }>;
};

/** A team of one (ana) with the series "standup", 09:00-10:00Z from `firstStart`, with `lines`. */
export async function teamWithSeries(firstStart: string, lines: string[]) {
  const team = await newTeam(["ana"]);
  const end = new Date(Date.parse(firstStart) + 3_600_000).toISOString();
  const res = await team.post("/events", { id: "standup", title: "standup", starts_at: firstStart, ends_at: end, recurrence: lines });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return team;
}

/** The events listed in 2031 (the series tests' year), occurrences and single events. */
export async function listed2031(team: Pick<ReturnType<typeof client>, "get">): Promise<ListedEvent[]> {
  const res = await team.get("/events?from=2031-01-01T00:00:00Z&to=2032-01-01T00:00:00Z");
  expect(res.status).toBe(200);
  return (res.json as { events: ListedEvent[] }).events;
}

/** An error answer's body. */
export const errorOf = (res: { json: unknown }) => (res.json as { error: { code: string; message: string; details?: any } }).error;
