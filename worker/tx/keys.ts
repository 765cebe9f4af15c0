/** Coordinator keys in the main store, under the team's hash tag. */
export const txKeys = (team: string, tx: string) => ({
  record: `gs:{${team}}:tx:${tx}`,
  /** "commit" or "abort", written once with SET NX: first writer wins, so recovery and a late coordinator agree. */
  decision: `gs:{${team}}:tx:${tx}:decision`,
});

/** Sorted set: the team's open transactions -> idle deadline (ms), for the open-transactions quota. */
export const openTxKey = (team: string) => `gs:{${team}}:open-txs`;

/** Resolved transactions are kept this long for GET /tx/{id}, then expire. */
export const RESOLVED_TX_TTL_SECONDS = 24 * 3600;

/** Redis channel for transaction outcomes (calendar and goal changes go on their own channels). */
export const TX_CHANNEL = "transactions";
