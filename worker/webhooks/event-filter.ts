/** Which changes an endpoint asked for: `["*"]` is every type, otherwise the types listed. */
export function wantsEvent(events: readonly string[], type: string): boolean {
  return events.includes("*") || events.includes(type);
}

/** The list as stored: duplicates dropped, and just `["*"]` when it includes "*". */
export function normalizedEvents(events: readonly string[]): string[] {
  if (events.includes("*")) return ["*"];
  return [...new Set(events)].sort();
}
