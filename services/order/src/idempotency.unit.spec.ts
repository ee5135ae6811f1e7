import { replayProblem, requestFingerprint } from "./idempotency";

const order = {
  userId: "00000000-0000-4000-8000-000000000001",
  items: [{ sku: "book", quantity: 2, unitPriceCents: 1250 }],
  paymentToken: "tok_visa",
  shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: "KR" },
};

describe("requestFingerprint", () => {
  test("given the same body with its fields in another order, then the fingerprint is the same", () => {
    const reordered = {
      shippingAddress: { country: "KR", postalCode: "04524", city: "Seoul", line1: "1 Main St" },
      paymentToken: "tok_visa",
      items: [{ unitPriceCents: 1250, quantity: 2, sku: "book" }],
      userId: order.userId,
    };
    expect(requestFingerprint("POST", "/orders", reordered)).toBe(requestFingerprint("POST", "/orders", order));
  });

  test.each([
    ["another user", { ...order, userId: "00000000-0000-4000-8000-000000000002" }],
    ["another quantity", { ...order, items: [{ ...order.items[0], quantity: 3 }] }],
    ["another country", { ...order, shippingAddress: { ...order.shippingAddress, country: "AQ" } }],
    ["the items in another order", { ...order, items: [{ sku: "pen", quantity: 1, unitPriceCents: 1 }, ...order.items] }],
    ["one more field", { ...order, transaction: "choreography" }],
  ])("given %s, then the fingerprint differs", (_what, other) => {
    expect(requestFingerprint("POST", "/orders", other)).not.toBe(requestFingerprint("POST", "/orders", order));
  });

  test("given another path or method, then the fingerprint differs", () => {
    const here = requestFingerprint("POST", "/orders", order);
    expect(requestFingerprint("POST", "/users", order)).not.toBe(here);
    expect(requestFingerprint("PUT", "/orders", order)).not.toBe(here);
  });
});

describe("replayProblem", () => {
  const fingerprint = requestFingerprint("POST", "/orders", order);
  test("given the same fingerprint, then the first order may be replayed", () => {
    expect(replayProblem("k1", fingerprint, fingerprint)).toBeNull();
  });
  test("given a different fingerprint, then the reuse is refused with the key named", () => {
    expect(replayProblem("k1", requestFingerprint("POST", "/orders", { ...order, paymentToken: "tok_mastercard" }), fingerprint)).toBe(
      'Idempotency-Key "k1" was already used for a different request; send a new key for a new order',
    );
  });
  test("given an order stored before fingerprints were kept, then it is replayed as before", () => {
    expect(replayProblem("k1", null, fingerprint)).toBeNull();
  });
});
