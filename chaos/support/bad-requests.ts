import { randomUUID } from "node:crypto";
import type { ServiceName } from "../../e2e/support/system";

// Generated bad requests for every endpoint: each one must get a 4xx with a JSON reason.
// Deterministic (seeded), so a failure can be replayed.

export interface BadRequest {
  service: ServiceName;
  method: "GET" | "POST";
  path: string;
  contentType?: string;
  body?: string;
  /** What makes it bad, for the failure message. */
  why: string;
}

function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const oddStrings = ["", " ", "\u0000", "☃", "𝕏𝕐", "\u202e", "ÄÖÜ", "'; DROP TABLE orders; --", "<script>", "%00", "../../etc/passwd", "a".repeat(5000)];
const badNumbers: unknown[] = [-1, 0, -0.5, 1.5, 1e308, -1e308, 2 ** 53, "1", "abc", null, true, [], {}, NaN];
// Text Postgres cannot store (NUL) or would store changed (a lone surrogate becomes U+FFFD).
const unstorable = ["\u0000", "a\u0000b", "\uD800", "x\uDFFFy", "\uDBFF\uDBFF", "📦\uD83D"];
const notUuids = ["nope", "123", "00000000-0000-0000-0000", "☃", "%20", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"];

const goodOrder = () => ({
  userId: randomUUID(),
  items: [{ sku: "sku-1", quantity: 1, unitPriceCents: 100 }],
  paymentToken: "tok_visa",
  shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: "KR" },
});
const goodUser = () => ({ name: "Test", creditLimitCents: 1000 });

/** Mutations that each break one rule of a JSON body. */
function brokenBodies(pick: <T>(xs: readonly T[]) => T): Array<[string, unknown]> {
  const order = goodOrder();
  const user = goodUser();
  return [
    ["order without userId", { ...order, userId: undefined }],
    ["order with a non-uuid userId", { ...order, userId: pick([...notUuids, ...oddStrings]) }],
    ["order without items", { ...order, items: undefined }],
    ["order with no items", { ...order, items: [] }],
    ["order with a bad quantity", { ...order, items: [{ ...order.items[0], quantity: pick(badNumbers) }] }],
    ["order with a bad price", { ...order, items: [{ ...order.items[0], unitPriceCents: pick([-1, 1.5, "100", null, 1e12]) }] }],
    ["order with a bad sku", { ...order, items: [{ ...order.items[0], sku: pick(["", "a".repeat(65), 5, null]) }] }],
    ["order with an odd payment token", { ...order, paymentToken: pick(["visa", "tok_☃", "", 42, null, `tok_${"x".repeat(70)}`]) }],
    ["order with a bad country", { ...order, shippingAddress: { ...order.shippingAddress, country: pick(["kr", "KOR", "☃☃", "", 1]) } }],
    ["order without an address", { ...order, shippingAddress: undefined }],
    ["order with an unknown field", { ...order, [pick(["admin", "status", "totalCents"])]: true }],
    ["order with unstorable text in an item", { ...order, items: [{ ...order.items[0], sku: `sku${pick(unstorable)}` }] }],
    [
      "order with unstorable text in the address",
      { ...order, shippingAddress: { ...order.shippingAddress, [pick(["line1", "city", "postalCode"])]: pick(unstorable) } },
    ],
    ["order as an array", [order]],
    ["order as a string", "order"],
    ["order as null", null],
    ["user without a name", { ...user, name: undefined }],
    ["user with an odd name", { ...user, name: pick(["", "a".repeat(201), 7, null]) }],
    ["user with a bad credit limit", { ...user, creditLimitCents: pick(badNumbers.filter((n) => n !== 0)) }],
    ["user with a bad status", { ...user, status: pick(["active", "DELETED", "", 1]) }],
    ["user with an unknown field", { ...user, reservedCents: 5 }],
    ["user with unstorable text in the name", { ...user, name: `Ada${pick(unstorable)}` }],
  ];
}

export function badRequests(perEndpoint: number, seed = 42): BadRequest[] {
  const random = seeded(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const out: BadRequest[] = [];
  const postTo = (service: ServiceName, path: string, kind: "order" | "user") => {
    for (let i = 0; i < perEndpoint; i++) {
      const variant = i % 6;
      if (variant === 0) out.push({ service, method: "POST", path, contentType: "application/json", body: pick(["{", "{\"a\":", "[1,", "nul", "\"", "{'a':1}", "\u0000"]), why: "malformed JSON" });
      else if (variant === 1) out.push({ service, method: "POST", path, contentType: pick(["text/plain", "application/xml", "application/x-www-form-urlencoded"]), body: "a=1", why: "wrong content type" });
      else if (variant === 2 && i % 12 === 2) out.push({ service, method: "POST", path, contentType: "application/json", body: JSON.stringify({ pad: "x".repeat(70_000) }), why: "body over 64 KiB" });
      else {
        const [why, body] = pick(brokenBodies(pick).filter(([name]) => name.startsWith(kind)));
        out.push({ service, method: "POST", path, contentType: "application/json", body: JSON.stringify(body) ?? "null", why });
      }
    }
  };
  const getWith = (service: ServiceName, paths: () => [string, string]) => {
    for (let i = 0; i < perEndpoint; i++) {
      const [path, why] = paths();
      out.push({ service, method: "GET", path, why });
    }
  };
  const odd = () => encodeURIComponent(pick([...notUuids, ...oddStrings.filter(Boolean)]));
  postTo("order", "/orders", "order");
  postTo("user", "/users", "user");
  getWith("order", () => (random() < 0.5 ? [`/orders/${randomUUID()}`, "unknown order id"] : [`/orders/${odd()}`, "not a uuid"]));
  getWith("order", () =>
    pick([
      [`/orders?status=${odd()}`, "unknown status"],
      [`/orders?limit=${pick(["0", "-1", "101", "abc", "1.5", "1e9"])}`, "bad limit"],
      [`/orders?offset=${pick(["-1", "abc", "99999999999"])}`, "bad offset"],
      [`/orders?unknown=1`, "unknown query parameter"],
    ] as [string, string][]),
  );
  getWith("user", () => (random() < 0.5 ? [`/users/${randomUUID()}`, "unknown user id"] : [`/users/${odd()}`, "not a uuid"]));
  getWith("payment", () => pick([[`/payments?orderId=${odd()}`, "orderId not a uuid"], ["/payments", "orderId missing"]] as [string, string][]));
  getWith("delivery", () => pick([[`/deliveries?orderId=${odd()}`, "orderId not a uuid"], ["/deliveries", "orderId missing"]] as [string, string][]));
  return out;
}
