import { randomUUID } from "node:crypto";
import { commandTopicOf, replyTopicOf } from "@saga-shop/contracts";
import { Kafka, logLevel } from "kafkajs";
import { createUser, deliveriesOf, finalOrder, paymentsOf, placeOrder, userById, type TransactionModel } from "./support/shop";
import { api, startService, startSystem, waitFor, type RunningService } from "./support/system";

// The same shop, the same rules and data, run two ways: every demo trigger as a choreography and
// as an orchestrated saga ends in the same state, with the same reason and the same effects in
// every service. The orchestrated order's history shows each command and reply; its manager
// survives a crash; a participant asked twice does the work once.

jest.setTimeout(180_000);
let system: RunningService[] = [];
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await Promise.all(system.map((s) => s.stop()));
});

const models: TransactionModel[] = ["choreography", "orchestration"];
const historyTypes = (order: { history: { type: string }[] }) => order.history.map((step) => step.type);

/** What every service holds for an order at the end: the same in both models. */
async function effectsOf(orderId: string, userId: string) {
  const order = await finalOrder(orderId);
  const strip = ({ id: _id, orderId: _o, ...rest }: Record<string, unknown>) => rest;
  return {
    order: { status: order.status, failureReason: order.failureReason, totalCents: order.totalCents },
    payments: (await paymentsOf(orderId)).map(strip),
    deliveries: (await deliveriesOf(orderId)).map(({ scheduledFor: _s, ...rest }) => strip(rest)),
    reservedCents: (await userById(userId))?.reservedCents ?? null,
  };
}

const triggers = [
  { name: "approved", user: () => createUser(100_000), order: {}, status: "APPROVED" },
  { name: "rejected: not enough credit", user: () => createUser(1000), order: {}, status: "REJECTED" },
  { name: "rejected: user suspended", user: () => createUser(100_000, "SUSPENDED"), order: {}, status: "REJECTED" },
  { name: "rejected: unknown user", user: async () => ({ id: randomUUID() }), order: {}, status: "REJECTED" },
  { name: "cancelled: card declined", user: () => createUser(100_000), order: { paymentToken: "tok_chargeDeclined" }, status: "CANCELLED" },
  { name: "cancelled: insufficient funds", user: () => createUser(100_000), order: { paymentToken: "tok_insufficientFunds" }, status: "CANCELLED" },
  { name: "cancelled: delivery failed (AQ)", user: () => createUser(100_000), order: { country: "AQ" }, status: "CANCELLED" },
] as const;

describe.each(triggers)("the demo trigger '$name'", ({ user: makeUser, order: input, status }) => {
  test("ends the same in the choreography and the orchestration: status, reason, payment, delivery, credit", async () => {
    const results = await Promise.all(
      models.map(async (transaction) => {
        const user = await makeUser();
        const placed = await placeOrder({ userId: user.id, totalCents: 2500, transaction, ...input });
        return effectsOf(placed.id, user.id);
      }),
    );
    expect(results[0]!.order.status).toBe(status);
    expect(results[1]).toEqual(results[0]);
  });
});

describe("an orchestrated order", () => {
  test("shows the model in the API, and its history is each command and each reply, in order", async () => {
    const user = await createUser(100_000);
    const placed = await placeOrder({ userId: user.id, totalCents: 3000, country: "AQ", transaction: "orchestration" });
    const order = await finalOrder(placed.id);
    expect(order).toMatchObject({ transaction: "orchestration", status: "CANCELLED", failureReason: "delivery failed: address not serviceable: we do not deliver to AQ" });
    expect(historyTypes(order)).toEqual([
      "ReserveCredit",
      "ReserveCreditSucceeded",
      "ChargePayment",
      "ChargePaymentSucceeded",
      "ScheduleDelivery",
      "ScheduleDeliveryFailed",
      "RefundPayment",
      "RefundPaymentSucceeded",
      "ReleaseCredit",
      "ReleaseCreditSucceeded",
      "OrderCancelled",
    ]);
    const listed = await api("order", `/orders?transaction=orchestration&limit=100`);
    expect(listed.body.items.every((o: { transaction: string }) => o.transaction === "orchestration")).toBe(true);
    expect(listed.body.items.map((o: { id: string }) => o.id)).toContain(placed.id);
    const choreographed = await api("order", `/orders?transaction=choreography&limit=100`);
    expect(choreographed.body.items.map((o: { id: string }) => o.id)).not.toContain(placed.id);
  });

  test("resumes from its persisted state when the order service (its manager) is killed mid-saga", async () => {
    const user = await createUser(1_000_000);
    const placed = await Promise.all(Array.from({ length: 10 }, (_, i) => placeOrder({ userId: user.id, totalCents: 1000 + i, transaction: "orchestration", country: i % 2 ? "AQ" : "KR" })));
    const order = system.find((s) => s.name === "order")!;
    await order.stop("SIGKILL");
    system = [...system.filter((s) => s !== order), await startService("order")];
    const finals = await Promise.all(placed.map((p) => finalOrder(p.id, 60_000)));
    expect(finals.map((o) => o.status)).toEqual(placed.map((_, i) => (i % 2 ? "CANCELLED" : "APPROVED")));
    // Each step exactly once: one payment per order, credit reserved only for the approved ones.
    for (const p of placed) expect(await paymentsOf(p.id)).toHaveLength(1);
    const approved = placed.filter((_, i) => i % 2 === 0).reduce((sum, p) => sum + p.totalCents, 0);
    expect((await userById(user.id)).reservedCents).toBe(approved);
  });

  test("a participant asked twice for the same step does the work once and answers with the same reply", async () => {
    const user = await createUser(100_000);
    const placed = await placeOrder({ userId: user.id, totalCents: 4200, transaction: "orchestration" });
    const order = await finalOrder(placed.id);
    const [payment] = await paymentsOf(placed.id);
    // The saga manager sending ChargePayment again (a new message, not a redelivery).
    const kafka = new Kafka({ brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:19092").split(","), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `e2e-replies-${randomUUID()}` });
    await Promise.all([producer.connect(), consumer.connect()]);
    try {
      await consumer.subscribe({ topic: replyTopicOf("order"), fromBeginning: true });
      const replies: { type: string; payload: { paymentId?: string } }[] = [];
      await consumer.run({
        eachMessage: async ({ message }) => {
          const reply = JSON.parse(message.value!.toString());
          if (reply.orderId === placed.id && reply.type.startsWith("ChargePayment")) replies.push(reply);
        },
      });
      const again = {
        id: randomUUID(),
        type: "ChargePayment",
        version: 1,
        occurredAt: new Date().toISOString(),
        orderId: placed.id,
        correlationId: randomUUID(),
        causationId: null,
        producer: "order",
        payload: { amountCents: 4200, paymentToken: "tok_visa" },
      };
      await producer.send({ topic: commandTopicOf("payment"), messages: [{ key: placed.id, value: JSON.stringify(again) }] });
      const both = await waitFor("the payment service's second reply", async () => (replies.length >= 2 ? replies : undefined), 30_000);
      expect(both.map((r) => r.type)).toEqual(["ChargePaymentSucceeded", "ChargePaymentSucceeded"]);
      expect(both.map((r) => r.payload.paymentId)).toEqual([payment.id, payment.id]);
    } finally {
      await Promise.all([producer.disconnect(), consumer.disconnect()]);
    }
    expect(await paymentsOf(placed.id)).toEqual([payment]);
    expect((await api("order", `/orders/${placed.id}`)).body.status).toBe(order.status);
  });
});
