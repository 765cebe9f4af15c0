/**
 * People keys, in the main store, under the team's hash tag:
 *   people:availability:<member>   the member's weekly working hours, as JSON (Availability)
 *   people:subscriptions:<member>  hash: subscription id -> its record as JSON (external calendars)
 *   people:external-busy:<member>:<id>  the busy intervals last read from that calendar, as JSON
 * and one key outside every team's hash tag (no script touches it with a team's keys):
 *   gs:people:external-due  sorted set: "<team>/<member>/<id>" -> when to fetch it next (ms), the
 *                           scheduled refresh's list
 */
export const EXTERNAL_DUE = "gs:people:external-due";

export const peopleKeys = (team: string) => {
  const base = `gs:{${team}}:people`;
  return {
    availability: (member: string) => `${base}:availability:${member}`,
    subscriptions: (member: string) => `${base}:subscriptions:${member}`,
    externalBusy: (member: string, id: string) => `${base}:external-busy:${member}:${id}`,
  };
};
