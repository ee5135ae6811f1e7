import { createUser, deliveriesOf, finalOrder, paymentsOf, placeOrder, userById } from "./support/shop";
import { api, runSystemAroundTests } from "./support/system";

// The four services as real processes, real Kafka, real Postgres: one order per outcome,
// then a concurrent mix, asserting what every service ends up holding.

jest.setTimeout(120_000);
runSystemAroundTests();

const historyTypes = (order: { history: { type: string }[] }) => order.history.map((step) => step.type);

describe("an order is a saga across four services", () => {
  test("approved: credit reserved, payment captured, delivery scheduled", async () => {
    const user = await createUser(100_000);
    const placed = await placeOrder({ userId: user.id, totalCents: 2500 });
    expect(placed).toMatchObject({ status: "PENDING", totalCents: 2500 });

    const order = await finalOrder(placed.id);
    expect(order.status).toBe("APPROVED");
    expect(order.failureReason).toBeNull();
    expect(historyTypes(order)).toEqual(
      expect.arrayContaining(["OrderCreated", "CreditReserved", "PaymentCompleted", "DeliveryScheduled", "OrderApproved"]),
    );
    expect(historyTypes(order)[0]).toBe("OrderCreated");
    expect(historyTypes(order).at(-1)).toBe("OrderApproved");
    // The credit stays reserved: it was spent.
    expect(await userById(user.id)).toMatchObject({ reservedCents: 2500, availableCents: 97_500 });
    expect(await paymentsOf(placed.id)).toEqual([expect.objectContaining({ status: "CAPTURED", amountCents: 2500 })]);
    expect(await deliveriesOf(placed.id)).toEqual([expect.objectContaining({ status: "SCHEDULED" })]);
  });

  test.each([
    ["not enough credit", () => createUser(1000), /^not enough credit: 10\.00 available, 25\.00 needed$/],
    ["a suspended user", () => createUser(100_000, "SUSPENDED"), /^user is suspended$/],
    ["an unknown user", async () => ({ id: "9f0f5d8e-0000-4000-8000-00000000abcd" }), /^unknown user$/],
  ])("rejected for %s: nothing to undo", async (_why, makeUser, reason) => {
    const user = await makeUser();
    const placed = await placeOrder({ userId: user.id, totalCents: 2500 });

    const order = await finalOrder(placed.id);
    expect(order.status).toBe("REJECTED");
    expect(order.failureReason).toMatch(reason);
    expect(historyTypes(order)).toEqual(["OrderCreated", "CreditRejected", "OrderRejected"]);
    expect(await paymentsOf(placed.id)).toEqual([]);
    expect(await deliveriesOf(placed.id)).toEqual([]);
  });

  test.each([
    ["tok_chargeDeclined", "payment failed: card declined"],
    ["tok_insufficientFunds", "payment failed: insufficient funds"],
  ])("cancelled after payment failure (%s): the credit is released", async (paymentToken, reason) => {
    const user = await createUser(100_000);
    const placed = await placeOrder({ userId: user.id, totalCents: 4000, paymentToken });

    const order = await finalOrder(placed.id);
    expect(order).toMatchObject({ status: "CANCELLED", failureReason: reason });
    expect(historyTypes(order)).toEqual(
      expect.arrayContaining(["PaymentFailed", "CreditReleased", "OrderCancelled"]),
    );
    expect(await userById(user.id)).toMatchObject({ reservedCents: 0, availableCents: 100_000 });
    expect(await paymentsOf(placed.id)).toEqual([expect.objectContaining({ status: "DECLINED", amountCents: 4000 })]);
    expect(await deliveriesOf(placed.id)).toEqual([]);
  });

  test("cancelled after delivery failure: the payment is refunded and the credit released", async () => {
    const user = await createUser(100_000);
    const placed = await placeOrder({ userId: user.id, totalCents: 3000, country: "AQ" });

    const order = await finalOrder(placed.id);
    expect(order.status).toBe("CANCELLED");
    expect(order.failureReason).toBe("delivery failed: address not serviceable: we do not deliver to AQ");
    const types = historyTypes(order);
    // Compensations run backwards through the saga, and the order is cancelled last.
    expect(types.indexOf("DeliveryFailed")).toBeLessThan(types.indexOf("PaymentRefunded"));
    expect(types.indexOf("PaymentRefunded")).toBeLessThan(types.indexOf("CreditReleased"));
    expect(types.at(-1)).toBe("OrderCancelled");
    expect(await userById(user.id)).toMatchObject({ reservedCents: 0 });
    expect(await paymentsOf(placed.id)).toEqual([expect.objectContaining({ status: "REFUNDED", amountCents: 3000 })]);
    expect(await deliveriesOf(placed.id)).toEqual([
      expect.objectContaining({ status: "FAILED", failureReason: "address not serviceable: we do not deliver to AQ" }),
    ]);
  });
});

describe("the HTTP edge", () => {
  test("a retried POST with the same Idempotency-Key returns the same order", async () => {
    const user = await createUser(100_000);
    const body = {
      userId: user.id,
      items: [{ sku: "x", quantity: 3, unitPriceCents: 100 }],
      paymentToken: "tok_visa",
      shippingAddress: { line1: "a", city: "b", postalCode: "c", country: "GB" },
    };
    const headers = { "idempotency-key": `key-${user.id}` };
    const [first, second] = await Promise.all([
      api("order", "/orders", { method: "POST", json: body, headers }),
      api("order", "/orders", { method: "POST", json: body, headers }),
    ]);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    await finalOrder(first.body.id);
    expect((await userById(user.id)).reservedCents).toBe(300); // charged once
  });

  describe("Idempotency-Key reused", () => {
    const bodyFor = (userId: string, quantity = 1) => ({
      userId,
      items: [{ sku: "x", quantity, unitPriceCents: 100 }],
      paymentToken: "tok_visa",
      shippingAddress: { line1: "a", city: "b", postalCode: "c", country: "GB" },
    });
    const post = (body: unknown, key: string) => api("order", "/orders", { method: "POST", json: body, headers: { "idempotency-key": key } });

    test("with a different body, even by another user: 422 with the reason, and no second order", async () => {
      const [ada, lin] = [await createUser(100_000), await createUser(100_000)];
      const key = `reuse-${ada.id}`;
      const first = await post(bodyFor(ada.id), key);
      expect(first.status).toBe(202);
      for (const other of [bodyFor(ada.id, 2), bodyFor(lin.id)]) {
        const reused = await post(other, key);
        expect(reused.status).toBe(422);
        expect(reused.body).toEqual({ statusCode: 422, error: "Unprocessable Entity", message: expect.stringContaining(`Idempotency-Key "${key}" was already used for a different request`) });
        expect(JSON.stringify(reused.body)).not.toContain(first.body.id);
      }
      await finalOrder(first.body.id);
      // Nothing was created for Lin, and Ada was charged once.
      expect((await userById(lin.id)).reservedCents).toBe(0);
      expect((await userById(ada.id)).reservedCents).toBe(100);
    });

    test("with the same body, its fields in another order: the same order, marked as replayed", async () => {
      const user = await createUser(100_000);
      const key = `same-${user.id}`;
      const first = await post(bodyFor(user.id), key);
      const { shippingAddress, paymentToken, items, userId } = bodyFor(user.id);
      const again = await post({ shippingAddress, paymentToken, items, userId }, key);
      expect(again.status).toBe(202);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.body).toEqual(first.body);
    });

    test("while the first request with the key is in flight: requests racing it create no second order", async () => {
      const user = await createUser(100_000);
      const other = await createUser(100_000);
      const key = `race-${user.id}`;
      const same = Array.from({ length: 8 }, () => post(bodyFor(user.id), key));
      const different = Array.from({ length: 4 }, () => post(bodyFor(other.id), key));
      const answers = await Promise.all([...same, ...different]);
      const accepted = answers.filter((a) => a.status === 202);
      expect(new Set(accepted.map((a) => a.body.id)).size).toBe(1);
      // Whichever body won, every request with the other body was refused.
      expect(answers.every((a) => a.status === 202 || a.status === 422)).toBe(true);
      const winner = await finalOrder(accepted[0]!.body.id);
      const loserBodies = winner.userId === user.id ? different : same;
      expect((await Promise.all(loserBodies)).every((a) => a.status === 422)).toBe(true);
      const charged = (await userById(user.id)).reservedCents + (await userById(other.id)).reservedCents;
      expect(charged).toBe(100);
    });
  });

  test.each([
    ["order", "POST", "/orders", 400, { userId: "nope" }],
    ["order", "POST", "/orders", 400, "{not json"],
    ["order", "GET", "/orders/not-a-uuid", 400, undefined],
    ["order", "GET", "/orders/9f0f5d8e-0000-4000-8000-00000000abcd", 404, undefined],
    ["order", "GET", "/orders?limit=0", 400, undefined],
    ["user", "POST", "/users", 400, { name: "x", creditLimitCents: -1 }],
    ["user", "POST", "/users", 400, { name: "x", creditLimitCents: "100" }],
    ["user", "GET", "/users/9f0f5d8e-0000-4000-8000-00000000abcd", 404, undefined],
    ["payment", "GET", "/payments", 400, undefined],
    ["delivery", "GET", "/deliveries?orderId=1", 400, undefined],
  ] as const)("%s %s %s → %i with a JSON reason", async (service, method, path, status, body) => {
    const response = await api(service, path, {
      method,
      ...(typeof body === "string"
        ? { body, headers: { "content-type": "application/json" } }
        : body !== undefined && { json: body }),
    });
    expect(response.status).toBe(status);
    expect(response.body).toEqual(expect.objectContaining({ statusCode: status, message: expect.any(String) }));
  });

  test("zero quantities, negative prices and unknown fields are refused", async () => {
    const user = await createUser(100_000);
    const base = { userId: user.id, paymentToken: "tok_visa", shippingAddress: { line1: "a", city: "b", postalCode: "c", country: "GB" } };
    for (const items of [
      [{ sku: "x", quantity: 0, unitPriceCents: 100 }],
      [{ sku: "x", quantity: 1, unitPriceCents: -5 }],
      [{ sku: "x", quantity: 1.5, unitPriceCents: 100 }],
      [],
    ]) {
      const response = await api("order", "/orders", { method: "POST", json: { ...base, items } });
      expect(response.status).toBe(400);
    }
    const free = await api("order", "/orders", { method: "POST", json: { ...base, items: [{ sku: "x", quantity: 1, unitPriceCents: 0 }] } });
    expect(free.status).toBe(422);
    const extra = await api("order", "/orders", { method: "POST", json: { ...base, items: [{ sku: "x", quantity: 1, unitPriceCents: 1 }], admin: true } });
    expect(extra.status).toBe(400);
  });
});

describe("many sagas at once", () => {
  test("a concurrent mix: every order terminal, credit balanced, nothing charged twice", async () => {
    const users = await Promise.all([createUser(60_000), createUser(60_000), createUser(5_000)]);
    const scenarios = [
      { paymentToken: "tok_visa", country: "KR" },
      { paymentToken: "tok_visa", country: "US" },
      { paymentToken: "tok_chargeDeclined", country: "KR" },
      { paymentToken: "tok_visa", country: "AQ" },
      { paymentToken: "tok_insufficientFunds", country: "DE" },
    ];
    const inputs = Array.from({ length: 60 }, (_, i) => ({
      userId: users[i % users.length]!.id,
      totalCents: 500 + (i % 7) * 250,
      ...scenarios[i % scenarios.length]!,
    }));
    const placed = await Promise.all(inputs.map(placeOrder));
    const orders = await Promise.all(placed.map((p) => finalOrder(p.id, 90_000)));

    for (const [i, order] of orders.entries()) {
      const input = inputs[i]!;
      const payments = await paymentsOf(order.id);
      expect(payments.length).toBeLessThanOrEqual(1);
      if (order.status === "APPROVED") {
        expect(input).toMatchObject({ paymentToken: "tok_visa" });
        expect(input.country).not.toBe("AQ");
        expect(payments).toEqual([expect.objectContaining({ status: "CAPTURED", amountCents: input.totalCents })]);
      } else if (order.status === "CANCELLED") {
        expect(payments).toEqual([expect.objectContaining({ status: input.country === "AQ" && input.paymentToken === "tok_visa" ? "REFUNDED" : "DECLINED" })]);
      } else {
        expect(order.failureReason).toMatch(/^not enough credit/);
        expect(payments).toEqual([]);
      }
    }
    // Each user's reserved credit is exactly what their approved orders spent.
    for (const user of users) {
      const approved = orders.filter((o, i) => o.status === "APPROVED" && inputs[i]!.userId === user.id);
      const spent = approved.reduce((sum, o) => sum + o.totalCents, 0);
      expect((await userById(user.id)).reservedCents).toBe(spent);
    }
    expect(orders.some((o) => o.status === "APPROVED")).toBe(true);
    expect(orders.some((o) => o.status === "REJECTED")).toBe(true);
  });
});
