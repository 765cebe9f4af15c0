/**
 * The one serialisation a MAC is computed over: JSON with object keys sorted (by code unit) at every
 * depth, no whitespace. Sender and receiver compute it from the parsed value, so the order in which
 * a JSON library happened to write keys cannot break verification. Every message sent and received
 * goes through here, so it builds one string rather than arrays of entries.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let text = "";
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      text += `${index === 0 ? "" : ","}${item === undefined ? "null" : canonicalJson(item)}`;
    }
    return `[${text}]`;
  }
  const record = value as Record<string, unknown>;
  let text = "";
  // sort() without a comparator orders strings by UTF-16 code unit, as JSON-canonical forms require.
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined || typeof item === "function") continue;
    text += `${text === "" ? "" : ","}${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `{${text}}`;
}
