import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";

/** One per team: holds the team's WebSockets and fans changes out to them. */
export class TeamHub extends DurableObject<Env> {}

