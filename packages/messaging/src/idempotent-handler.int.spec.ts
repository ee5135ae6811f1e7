// handleOnce, the idempotent consumer, against a real Postgres database (no Kafka involved).
import { randomUUID } from "node:crypto";
import type { EventDraft, SagaEvent } from "@saga-shop/contracts";
import {
  createTestDatabase,
  creditReserved,
  paymentCompletedDraft,
  pgTransactionRunner,
  type PgTx,
  type TestDatabase,
} from "../test/support";
import { handleOnce, type TransactionRunner } from "./idempotent-handler";

jest.setTimeout(15_000);

const SERVICE = "payment" as const;

let db: TestDatabase;
let runner: TransactionRunner<PgTx>;

beforeAll(async () => {
  db = await createTestDatabase("handler");
  runner = pgTransactionRunner(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

/** The handler's effect: a widget for the order; `hits` would count a second effect. */
async function addWidget(tx: PgTx, orderId: string, note = "credit reserved") {
  await tx.$executeRaw`
    INSERT INTO widgets (order_id, note) VALUES (${orderId}::uuid, ${note})
    ON CONFLICT (order_id) DO UPDATE SET hits = widgets.hits + 1`;
}

/** What the database holds for one consumed event: its processed row, the effect and the outbox. */
async function stateOf(event: SagaEvent) {
  const q = async (text: string, values: unknown[]) => (await db.pool.query(text, values)).rows;
  return {
    processed: await q("SELECT event_type FROM processed_events WHERE event_id = $1", [event.id]),
    widgets: await q("SELECT note, hits FROM widgets WHERE order_id = $1", [event.orderId]),
    outbox: await q(
      "SELECT topic, key, event FROM outbox WHERE event->>'causationId' = $1 ORDER BY seq",
      [event.id],
    ),
  };
}

test("the first delivery is processed with its effect and emitted events; a redelivery is a duplicate and changes nothing", async () => {
  const event = creditReserved();
  const handler = jest.fn(async (_e: SagaEvent, tx: PgTx): Promise<EventDraft[]> => {
    await addWidget(tx, event.orderId);
    return [paymentCompletedDraft(event.payload.amountCents)];
  });

  const first = await handleOnce(runner, SERVICE, event, handler);

  expect(first.outcome).toBe("processed");
  if (first.outcome !== "processed") throw new Error("unreachable");
  expect(first.emitted).toHaveLength(1);
  const emitted = first.emitted[0]!;
  expect(emitted).toMatchObject({
    type: "PaymentCompleted",
    producer: SERVICE,
    orderId: event.orderId,
    correlationId: event.correlationId,
    causationId: event.id,
  });
  const after = await stateOf(event);
  expect(after.processed).toEqual([{ event_type: "CreditReserved" }]);
  expect(after.widgets).toEqual([{ note: "credit reserved", hits: 1 }]);
  expect(after.outbox).toEqual([{ topic: "payment.events", key: event.orderId, event: emitted }]);

  const second = await handleOnce(runner, SERVICE, event, handler);

  expect(second).toEqual({ outcome: "duplicate" });
  expect(handler).toHaveBeenCalledTimes(1);
  expect(await stateOf(event)).toEqual(after);
});

test("a handler that throws rolls back everything, so a later retry can still succeed", async () => {
  const event = creditReserved();
  let fail = true;
  const handler = jest.fn(async (_e: SagaEvent, tx: PgTx): Promise<EventDraft[]> => {
    await addWidget(tx, event.orderId);
    if (fail) throw new Error("payment provider timed out");
    return [paymentCompletedDraft()];
  });

  await expect(handleOnce(runner, SERVICE, event, handler)).rejects.toThrow("payment provider timed out");
  expect(await stateOf(event)).toEqual({ processed: [], widgets: [], outbox: [] });

  fail = false;
  const retry = await handleOnce(runner, SERVICE, event, handler);

  expect(retry.outcome).toBe("processed");
  expect(handler).toHaveBeenCalledTimes(2);
  const state = await stateOf(event);
  expect(state.processed).toHaveLength(1);
  expect(state.widgets).toEqual([{ note: "credit reserved", hits: 1 }]);
  expect(state.outbox).toHaveLength(1);
});

test("an invalid emitted payload or a failing beforeCommit also rolls back the event's id and effect", async () => {
  const event = creditReserved();
  const badDraft = { type: "PaymentCompleted", payload: { amountCents: -1 } } as unknown as EventDraft;
  const handler = async (_e: SagaEvent, tx: PgTx) => {
    await addWidget(tx, event.orderId);
    return [badDraft];
  };
  await expect(handleOnce(runner, SERVICE, event, handler)).rejects.toThrow(/refusing to emit an invalid PaymentCompleted/);
  expect(await stateOf(event)).toEqual({ processed: [], widgets: [], outbox: [] });

  const good = async (_e: SagaEvent, tx: PgTx) => {
    await addWidget(tx, event.orderId);
    return [paymentCompletedDraft()];
  };
  const seen: { handled: SagaEvent[]; emitted: SagaEvent[] }[] = [];
  const failingBeforeCommit = async (_tx: PgTx, events: { handled: SagaEvent[]; emitted: SagaEvent[] }) => {
    seen.push(events);
    throw new Error("timeline write failed");
  };
  await expect(handleOnce(runner, SERVICE, event, good, failingBeforeCommit)).rejects.toThrow("timeline write failed");
  expect(seen).toEqual([{ handled: [event], emitted: [expect.objectContaining({ type: "PaymentCompleted", causationId: event.id })] }]);
  expect(await stateOf(event)).toEqual({ processed: [], widgets: [], outbox: [] });

  // beforeCommit runs inside the same transaction: what it writes commits with the rest.
  const beforeCommit = async (tx: PgTx, { emitted }: { emitted: SagaEvent[] }) => {
    await tx.$executeRaw`UPDATE widgets SET note = ${`emitted ${emitted[0]!.type}`} WHERE order_id = ${event.orderId}::uuid`;
  };
  expect((await handleOnce(runner, SERVICE, event, good, beforeCommit)).outcome).toBe("processed");
  expect((await stateOf(event)).widgets).toEqual([{ note: "emitted PaymentCompleted", hits: 1 }]);
});

test("two concurrent deliveries of one event: exactly one is processed, the other waits and is a duplicate", async () => {
  const event = creditReserved();
  const handler = jest.fn(async (_e: SagaEvent, tx: PgTx): Promise<EventDraft[]> => {
    await addWidget(tx, event.orderId);
    await tx.$executeRaw`SELECT pg_sleep(0.2)`; // hold the transaction open while the other arrives
    return [paymentCompletedDraft()];
  });

  const outcomes = await Promise.all([
    handleOnce(runner, SERVICE, event, handler),
    handleOnce(runner, SERVICE, event, handler),
  ]);

  expect(outcomes.map((o) => o.outcome).sort()).toEqual(["duplicate", "processed"]);
  expect(handler).toHaveBeenCalledTimes(1);
  const state = await stateOf(event);
  expect(state.widgets).toEqual([{ note: "credit reserved", hits: 1 }]);
  expect(state.outbox).toHaveLength(1);
});

test("when the first of two concurrent deliveries fails, the second one processes the event", async () => {
  const event = creditReserved();
  let calls = 0;
  const handler = async (_e: SagaEvent, tx: PgTx): Promise<EventDraft[]> => {
    const call = ++calls;
    await addWidget(tx, event.orderId, `call ${call}`);
    await tx.$executeRaw`SELECT pg_sleep(0.2)`;
    if (call === 1) throw new Error("first delivery fails");
    return [paymentCompletedDraft()];
  };

  const [first, second] = await Promise.allSettled([
    handleOnce(runner, SERVICE, event, handler),
    // Starts a moment later, so it blocks on the first delivery's uncommitted processed_events row.
    new Promise((r) => setTimeout(r, 50)).then(() => handleOnce(runner, SERVICE, event, handler)),
  ]);

  expect(first.status).toBe("rejected");
  expect(second).toMatchObject({ status: "fulfilled", value: { outcome: "processed" } });
  const state = await stateOf(event);
  expect(state.processed).toHaveLength(1);
  expect(state.widgets).toEqual([{ note: "call 2", hits: 1 }]);
  expect(state.outbox).toHaveLength(1);
});

test("processed_events is keyed by event id alone: another event of the same order is processed", async () => {
  const orderId = randomUUID();
  const handler = async (_e: SagaEvent, tx: PgTx) => {
    await addWidget(tx, orderId);
    return [];
  };
  expect((await handleOnce(runner, SERVICE, creditReserved(orderId), handler)).outcome).toBe("processed");
  expect((await handleOnce(runner, SERVICE, creditReserved(orderId), handler)).outcome).toBe("processed");
  const { rows } = await db.pool.query("SELECT hits FROM widgets WHERE order_id = $1", [orderId]);
  expect(rows).toEqual([{ hits: 2 }]);
});
