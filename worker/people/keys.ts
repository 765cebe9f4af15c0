/**
 * People keys, in the main store, under the team's hash tag:
 *   people:availability:<member>   the member's weekly working hours, as JSON (Availability)
 *   people:subscriptions:<member>  hash: subscription id -> its record as JSON (external calendars)
 *   people:external-busy:<member>:<id>  the busy intervals last read from that calendar, as JSON
 */
export const peopleKeys = (team: string) => {
  const base = `gs:{${team}}:people`;
  return {
    availability: (member: string) => `${base}:availability:${member}`,
    subscriptions: (member: string) => `${base}:subscriptions:${member}`,
    externalBusy: (member: string, id: string) => `${base}:external-busy:${member}:${id}`,
  };
};
