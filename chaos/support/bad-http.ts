import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { badRequests as generatedBadRequests } from "./bad-requests";
import { urlOf, type ServiceName } from "../../e2e/support/system";

// Bad HTTP input for every endpoint: the generated requests of ./bad-requests.ts
// (wrong types, missing fields, bad numbers, unknown ids, malformed JSON, odd unicode, wrong
// content type, bodies over 64 KiB) plus the nastier ones below. Every one must get a 4xx whose
// body is JSON `{ statusCode, message }`, never a 5xx, and no body may show internals.

export interface BadHttpRequest {
  service: ServiceName;
  endpoint: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  why: string;
}

export const endpoints = [
  ["order", "POST /orders"],
  ["user", "POST /users"],
  ["order", "GET /orders/:id"],
  ["order", "GET /orders"],
  ["user", "GET /users/:id"],
  ["payment", "GET /payments"],
  ["delivery", "GET /deliveries"],
] as const;

const endpointOf = (method: string, path: string) => {
  const bare = path.split("?")[0]!;
  if (bare === "/orders" || bare === "/users") return `${method} ${bare}`;
  if (bare.startsWith("/orders/")) return "GET /orders/:id";
  if (bare.startsWith("/users/")) return "GET /users/:id";
  return `GET ${bare}`;
};

const order = () => ({
  userId: randomUUID(),
  items: [{ sku: "sku-1", quantity: 1, unitPriceCents: 100 }],
  paymentToken: "tok_visa",
  shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: "KR" },
});

/** Requests ./bad-requests.ts does not make: bigger, deeper and stranger ones. */
function nastier(service: ServiceName, endpoint: string, i: number): BadHttpRequest {
  const json = { "content-type": "application/json" };
  const post = endpoint.startsWith("POST");
  const path = endpoint.split(" ")[1]!.replace(":id", randomUUID());
  const sample = endpoint === "POST /users" ? { name: "x", creditLimitCents: 100 } : order();
  const variants: Array<() => Omit<BadHttpRequest, "service" | "endpoint">> = post
    ? [
        () => ({ method: "POST", path, headers: json, body: JSON.stringify({ pad: "x".repeat(2 * 1024 * 1024) }), why: "2 MiB body" }),
        () => ({ method: "POST", path, headers: json, body: "[".repeat(30_000) + "]".repeat(30_000), why: "JSON nested 30,000 deep" }),
        () => ({ method: "POST", path, headers: json, body: `{"a":${"[".repeat(5000)}1${"]".repeat(5000)}}`, why: "deeply nested field" }),
        () => ({ method: "POST", path, headers: json, body: JSON.stringify(sample).replace(/100/, "1e400"), why: "number beyond double (1e400)" }),
        // -0 makes an order's total zero (422); a credit limit of 0 is allowed, so users get a fraction.
        () => ({ method: "POST", path, headers: json, body: JSON.stringify(sample).replace(/100/, endpoint === "POST /users" ? "-0.000001" : "-0"), why: "negative zero or fraction" }),
        () => ({ method: "POST", path, headers: json, body: JSON.stringify(sample).replace(/100/, "99999999999999999999999"), why: "huge integer" }),
        () => ({ method: "POST", path, headers: json, body: `\uFEFF${JSON.stringify({ ...sample, extra: "\u0000" })}`, why: "BOM and NUL" }),
        () => ({ method: "POST", path, headers: json, body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), why: "invalid UTF-8" }),
        // Bytes that are not UTF-8 inside a field the route stores: decoded leniently they would be stored as U+FFFD.
        () => {
          const [before, after] = JSON.stringify(sample).split(endpoint === "POST /users" ? '"x"' : '"Seoul"') as [string, string];
          return { method: "POST", path, headers: json, body: Buffer.concat([Buffer.from(`${before}"A`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(`"${after}`)]), why: "invalid UTF-8 in a stored field" };
        },
        () => ({ method: "POST", path, headers: { "content-type": "application/json; charset=utf-16" }, body: Buffer.from(JSON.stringify(sample), "utf16le"), why: "UTF-16 body" }),
        () => ({ method: "POST", path, headers: { "content-type": "application/json" }, body: "", why: "empty JSON body" }),
        () => ({ method: "POST", path, headers: {}, body: JSON.stringify(sample), why: "no content type" }),
        () => ({ method: "POST", path, headers: { "content-type": "multipart/form-data; boundary=x" }, body: "--x\r\n\r\n--x--", why: "multipart" }),
        () => ({ method: "POST", path, headers: json, body: `{"__proto__":{"admin":true},${JSON.stringify(sample).slice(1)}`, why: "__proto__ key" }),
        () => ({ method: "POST", path, headers: json, body: `{"constructor":{"prototype":{"x":1}}}`, why: "constructor.prototype" }),
        // POST /orders reads an Idempotency-Key (1-200 characters); POST /users does not, so it gets a duplicate key.
        () =>
          endpoint === "POST /orders"
            ? { method: "POST", path, headers: { ...json, "idempotency-key": "k".repeat(300) }, body: JSON.stringify(sample), why: "idempotency key too long" }
            : { method: "POST", path, headers: json, body: `${JSON.stringify(sample).slice(0, -1)},"creditLimitCents":-5}`, why: "duplicate key, the last one invalid" },
        () =>
          endpoint === "POST /orders"
            ? { method: "POST", path, headers: { ...json, "idempotency-key": "" }, body: JSON.stringify(sample), why: "empty idempotency key" }
            : { method: "POST", path, headers: json, body: JSON.stringify({ ...sample, creditLimitCents: 2 ** 31 }), why: "credit limit over 32 bits" },
        () => ({ method: "POST", path, headers: json, body: JSON.stringify({ ...sample, ["😀".repeat(50)]: "\u202e\u0301" }), why: "emoji key, RTL override" }),
        () => ({ method: "PUT", path, headers: json, body: JSON.stringify(sample), why: "wrong method (PUT)" }),
        () => ({ method: "DELETE", path, why: "wrong method (DELETE)" }),
      ]
    : [
        () => ({ method: "GET", path: `${path}${path.includes("?") ? "&" : "?"}${"q=1&".repeat(2000)}`, why: "2,000 query parameters" }),
        () => ({ method: "GET", path: `${path.split("?")[0]}/${"x".repeat(20_000)}`, why: "20 KB path" }),
        () => ({ method: "GET", path: `${path.split("?")[0]}?orderId=${randomUUID()}&orderId=${randomUUID()}&limit=1&limit=2`, why: "repeated query parameters" }),
        () => ({ method: "GET", path: `${path.split("?")[0]}?orderId[]=1&status[x]=2`, why: "array-style query" }),
        () => ({ method: "GET", path: `${path.split("?")[0]}/%E0%A4%A`, why: "broken percent-encoding" }),
        () => ({ method: "GET", path: `${path.split("?")[0]}/%00`, why: "NUL in path" }),
        () => ({ method: "GET", path: `${path.split("?")[0]}?limit=9007199254740993&offset=1e3`, why: "number beyond 2^53" }),
        () => ({ method: "POST", path: path.split("?")[0]!, headers: { "content-type": "application/json" }, body: "{}", why: "wrong method (POST)" }),
        () => ({ method: "PATCH", path: path.split("?")[0]!, why: "wrong method (PATCH)" }),
        () => ({ method: "GET", path: `${path.split("?")[0]}/${encodeURIComponent("𝕏".repeat(40))}`, why: "astral unicode id" }),
      ];
  return { service, endpoint, ...variants[i % variants.length]!() };
}

/** `perEndpoint` generated requests plus `extraPerEndpoint` nastier ones for each endpoint. */
export function badHttpRequests(perEndpoint: number, extraPerEndpoint: number, seed = 42): BadHttpRequest[] {
  const out: BadHttpRequest[] = generatedBadRequests(perEndpoint, seed).map((r) => ({
    service: r.service,
    endpoint: endpointOf(r.method, r.path),
    method: r.method,
    path: r.path,
    headers: r.contentType ? { "content-type": r.contentType } : ({} as Record<string, string>),
    body: r.body,
    why: r.why,
  }));
  for (const [service, endpoint] of endpoints) for (let i = 0; i < extraPerEndpoint; i++) out.push(nastier(service, endpoint, i));
  return out;
}

// What would betray internals in an error body: stack frames, SQL, driver or ORM names, paths.
export const INTERNALS = /\n\s+at |\bat .+:\d+:\d+|\bSELECT\b|\bINSERT INTO\b|\bUPDATE\b.+\bSET\b|\bsyntax error at\b|\brelation "|\bviolates\b|prisma|postgres|node_modules|\/services\/|\.[jt]s:\d+/i;

export interface BadHttpReport {
  tried: number;
  fourXx: number;
  fiveXx: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  /**
   * Oversized bodies whose connection was reset before the client could read the answer (the
   * server answers 413 and closes while the client is still sending; TCP may then discard the
   * answer). Sent again; only a request that never gets an answer counts as a failure.
   */
  oversizedResets: number;
  failures: string[];
}

const BODY_LIMIT = 64 * 1024;

/** One request on a connection of its own (no keep-alive: each answer is this request's alone). */
function exchange(url: string, method: string, headers: Record<string, string>, body?: string | Buffer) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const length = body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) };
    const req = request(url, { method, agent: false, timeout: 15_000, headers: { ...headers, ...length, connection: "close" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("no answer within 15 s")));
    req.end(body);
  });
}

async function send(request: BadHttpRequest, report: BadHttpReport): Promise<void> {
  report.tried++;
  report.byEndpoint[request.endpoint] = (report.byEndpoint[request.endpoint] ?? 0) + 1;
  const label = `${request.method} ${request.path.slice(0, 80)} (${request.why})`;
  const oversized = request.body !== undefined && Buffer.byteLength(request.body) > BODY_LIMIT;
  let status: number;
  let text: string;
  for (let attempt = 1; ; attempt++) {
    try {
      ({ status, text } = await exchange(`${urlOf(request.service)}${request.path}`, request.method, request.headers ?? {}, request.body));
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (oversized && attempt < 5 && (code === "EPIPE" || code === "ECONNRESET")) {
        report.oversizedResets++;
        continue;
      }
      // The server closed the connection without an answer: no reason given, and a sign of trouble.
      report.failures.push(`${label}: no response (${code ?? ""} ${(error as Error).message})`);
      return;
    }
  }
  report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
  if (status >= 500) report.fiveXx++;
  if (status < 400 || status > 499) return void report.failures.push(`${label} -> ${status}: ${text.slice(0, 200)}`);
  report.fourXx++;
  let body: { statusCode?: unknown; message?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    return void report.failures.push(`${label} -> ${status}: not JSON: ${text.slice(0, 200)}`);
  }
  if (body.statusCode !== status || typeof body.message !== "string" || body.message === "") {
    return void report.failures.push(`${label} -> ${status}: no JSON reason: ${text.slice(0, 200)}`);
  }
  if (INTERNALS.test(text)) report.failures.push(`${label} -> ${status}: shows internals: ${text.slice(0, 200)}`);
}

export async function sendBadHttp(requests: BadHttpRequest[], concurrency = 8, onProgress?: (done: number) => void): Promise<BadHttpReport> {
  const report: BadHttpReport = { tried: 0, fourXx: 0, fiveXx: 0, byEndpoint: {}, byStatus: {}, oversizedResets: 0, failures: [] };
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        await send(requests[next++]!, report);
        if (report.tried % 1000 === 0) onProgress?.(report.tried);
      }
    }),
  );
  return report;
}
