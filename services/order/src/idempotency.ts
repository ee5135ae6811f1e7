import { createHash } from "node:crypto";

// Idempotency-Key, as the IETF httpapi draft "The Idempotency-Key HTTP Header Field" describes it:
// a retry with the same key and the same request gets the first answer again; the same key with a
// different request is the client's mistake (422), never someone else's order.

/** JSON with every object's keys sorted, so field order and whitespace do not change a fingerprint. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** What a key is bound to: the method, the path and the parsed JSON body (sha256, hex). */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash("sha256").update(`${method} ${path}\n${canonicalJson(body)}`).digest("hex");
}

/**
 * Whether a request may be answered with the order first created under its key. Orders placed
 * before fingerprints were kept have none; they are replayed as before.
 */
export function replayProblem(key: string, stored: string | null, fingerprint: string): string | null {
  if (stored === null || stored === fingerprint) return null;
  return `Idempotency-Key "${key}" was already used for a different request; send a new key for a new order`;
}
