// Text that Postgres cannot store, or would store changed, is refused where it enters: every HTTP
// request (service-kit's validator) and every message read from Kafka (parseEvent). Checking the
// whole value, keys included, in one walk means no schema, route or event type can forget it.
//
// The classes, with what Postgres (UTF8 encoding) would do with them:
// - U+0000 (NUL): refused in `text` ("invalid byte sequence") and in `jsonb` ("unsupported Unicode
//   escape sequence"), so the request or event would fail with a server error, or be retried.
// - A lone UTF-16 surrogate (U+D800–U+DFFF without its pair; JSON allows "\ud800"): not a Unicode
//   character. Written as UTF-8 it becomes U+FFFD, so `text` would store a different string, and
//   `jsonb` refuses the escape.
// - Bytes that are not UTF-8 (a body or message value): a decoder would replace them with U+FFFD,
//   a change nobody asked for; see `decodeUtf8`.

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding this control character is the point.
const NUL = /\u0000/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why one string cannot be stored as it is, or null when it can. */
export function stringProblem(text: string): string | null {
  if (NUL.test(text)) return "must not contain the NUL character (U+0000)";
  if (LONE_SURROGATE.test(text)) return "must not contain a lone UTF-16 surrogate (not a Unicode character)";
  return null;
}

/** Keeps a hostile value from costing a stack overflow; JSON bodies are at most 64 KiB anyway. */
const MAX_DEPTH = 256;

/**
 * The first string (value or key) anywhere in `value` that cannot be stored, as
 * `<path>: <reason>` with a JSON-pointer-like path under `prefix`, or null when all can.
 */
export function textProblem(value: unknown, prefix = ""): string | null {
  const walk = (v: unknown, path: string, depth: number): string | null => {
    if (typeof v === "string") {
      const problem = stringProblem(v);
      return problem && `${path || "/"}: text ${problem}`;
    }
    if (typeof v !== "object" || v === null) return null;
    if (depth > MAX_DEPTH) return `${path}: nested more than ${MAX_DEPTH} deep`;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const found = walk(v[i], `${path}/${i}`, depth + 1);
        if (found) return found;
      }
      return null;
    }
    for (const [key, item] of Object.entries(v)) {
      const keyProblem = stringProblem(key);
      if (keyProblem) return `${path}/${JSON.stringify(key).slice(1, -1)}: field name ${keyProblem}`;
      const found = walk(item, `${path}/${key}`, depth + 1);
      if (found) return found;
    }
    return null;
  };
  return walk(value, prefix, 0);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes as text, or null when they are not UTF-8 (instead of silently replacing them). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
