// @ts-check
/**
 * The team page (/team.html): an admin lists a team's members, with when each token was issued and
 * last used, and adds members, reissues a lost token or removes a member (GET/POST/DELETE under
 * /admin/teams). The admin secret lives in this page's memory only, never in storage.
 */
import { Api } from "./lib/api.js";

/** @typedef {{ member: string, token_created_at: string | null, last_used_at: string | null }} MemberRow */

let secret = "";
const api = new Api({ baseUrl: location.origin, getToken: () => secret });

/** @template {HTMLElement} T @param {string} id @param {new () => T} type @returns {T} */
function byId(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing`);
  return element;
}

const errorBanner = byId("team-error", HTMLParagraphElement);
const teamSelect = byId("team-select", HTMLSelectElement);
const rows = /** @type {HTMLTableSectionElement} */ (byId("members-table", HTMLTableElement).tBodies[0]);

/** @param {string | null} message */
function showError(message) {
  errorBanner.textContent = message ?? "";
  errorBanner.hidden = message === null;
}

/** @param {string | null} instant */
function when(instant) {
  return instant === null ? "—" : new Date(instant).toLocaleString();
}

async function loadTeams() {
  const result = await api.listAll("/admin/teams?limit=500", "teams", 1000);
  if (!result.ok) return showError(result.status === 401 ? "That admin secret was not accepted." : result.error.message);
  showError(null);
  const teams = /** @type {Array<{ team: string }>} */ (result.data).map((t) => t.team).sort();
  teamSelect.replaceChildren(...teams.map((team) => new Option(team, team)));
  byId("teams-panel", HTMLElement).hidden = false;
  if (teams.length > 0) await loadMembers();
}

async function loadMembers() {
  const team = teamSelect.value;
  const result = await api.request("GET", `/admin/teams/${encodeURIComponent(team)}/members`);
  if (!result.ok) return showError(result.error.message);
  showError(null);
  const members = /** @type {{ members: MemberRow[] }} */ (result.data).members;
  rows.replaceChildren(...members.map(memberRow));
  byId("members-panel", HTMLElement).hidden = false;
}

/** @param {MemberRow} row */
function memberRow(row) {
  const tr = document.createElement("tr");
  tr.dataset.member = row.member;
  for (const text of [row.member, when(row.token_created_at), when(row.last_used_at)]) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  }
  const actions = document.createElement("td");
  actions.append(
    button("New token", `New token for ${row.member}`, () => changeMember("POST", row.member, "/token")),
    button("Remove", `Remove ${row.member}`, () => changeMember("DELETE", row.member, "")),
  );
  tr.append(actions);
  return tr;
}

/** @param {string} text @param {string} label @param {() => Promise<void>} onClick */
function button(text, label, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "secondary";
  element.textContent = text;
  element.setAttribute("aria-label", label);
  element.addEventListener("click", () => void onClick());
  return element;
}

/** @param {"POST" | "DELETE"} method @param {string} member @param {string} suffix */
async function changeMember(method, member, suffix) {
  const team = teamSelect.value;
  if (method === "DELETE" && !confirm(`Remove ${member} from ${team}? Their token stops working at once.`)) return;
  const result = await api.request(method, `/admin/teams/${encodeURIComponent(team)}/members/${encodeURIComponent(member)}${suffix}`, { retry: method === "POST" });
  if (!result.ok) return showError(result.error.message);
  if (method === "POST") showToken(/** @type {{ tokens: Record<string, string> }} */ (result.data).tokens);
  else byId("issued", HTMLDivElement).hidden = true;
  await loadMembers();
}

/** @param {Record<string, string>} tokens */
function showToken(tokens) {
  const [member, token] = Object.entries(tokens)[0] ?? ["", ""];
  byId("issued-member", HTMLSpanElement).textContent = member;
  byId("issued-token", HTMLOutputElement).textContent = token;
  byId("issued", HTMLDivElement).hidden = false;
}

byId("secret-form", HTMLFormElement).addEventListener("submit", (event) => {
  event.preventDefault();
  secret = byId("secret-input", HTMLInputElement).value;
  void loadTeams();
});

teamSelect.addEventListener("change", () => {
  byId("issued", HTMLDivElement).hidden = true;
  void loadMembers();
});

byId("add-form", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = byId("add-input", HTMLInputElement);
  const result = await api.request("POST", `/admin/teams/${encodeURIComponent(teamSelect.value)}/members`, { body: { member: input.value }, retry: true });
  if (!result.ok) return showError(result.error.message);
  input.value = "";
  showToken(/** @type {{ tokens: Record<string, string> }} */ (result.data).tokens);
  await loadMembers();
});
