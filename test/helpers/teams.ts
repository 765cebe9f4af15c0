/** Creates a team through a running worker's admin API and returns every member's token. */
export async function createTeamTokens(workerUrl: string, adminSecret: string, team: string, members: string[]): Promise<Record<string, string>> {
  const res = await fetch(`${workerUrl}/admin/teams`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminSecret}`, "content-type": "application/json" },
    body: JSON.stringify({ team, members }),
  });
  if (res.status !== 201) throw new Error(`creating team ${team} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { tokens: Record<string, string> }).tokens;
}

/** Creates a team through a running worker's admin API and returns the first member's token. */
export async function createTeamToken(workerUrl: string, adminSecret: string, team: string, members = ["ana"]): Promise<string> {
  return (await createTeamTokens(workerUrl, adminSecret, team, members))[members[0]!]!;
}
