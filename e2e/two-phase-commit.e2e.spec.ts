import { randomUUID } from "node:crypto";
import { adminUrlOf, sql } from "../test-support/postgres";
import { createUser, deliveriesOf, paymentsOf, userById } from "./support/shop";
import { api, participantUrlOf, serviceNames, startService, startSystem, waitFor, type RunningService, type ServiceName } from "./support/system";

// The same order as one distributed transaction over the four databases (PREPARE TRANSACTION /
// COMMIT PREPARED): every demo trigger all or nothing; the coordinator killed before and after
// its decision; a participant killed after it prepared; the participant API closed to anyone
// but the coordinator.

jest.setTimeout(240_000);
let system: RunningService[] = [];
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await Promise.all(system.map((s) => s.stop()));
});

const databaseOf = (service: ServiceName) => adminUrlOf(`${process.env.TEST_DB_PREFIX ?? "test_"}${service}_service`);
/** Prepared transactions of this order in every database, as `service:gid`. */
async function inDoubt(orderId: string): Promise<string[]> {
  const rows = await Promise.all(
    serviceNames.map(async (service) => (await sql(databaseOf(service), `SELECT gid FROM pg_prepared_xacts WHERE gid LIKE 'saga-shop:${orderId}:%' AND database = current_database()`)).rows.map((r) => `${service}:${r.gid}`)),
  );
  return rows.flat().sort();
}

const body = (userId: string, overrides: { paymentToken?: string; country?: string; totalCents?: number } = {}) => ({
  userId,
  items: [{ sku: "2pc", quantity: 1, unitPriceCents: overrides.totalCents ?? 2500 }],
  paymentToken: overrides.paymentToken ?? "tok_visa",
  shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: overrides.country ?? "KR" },
  transaction: "two-phase-commit",
});
const place = (userId: string, overrides?: Parameters<typeof body>[1]) => api("order", "/orders", { method: "POST", json: body(userId, overrides) });

/** Swaps a running service for a new process with `env` (e.g. a pause), or back. */
async function restart(name: ServiceName, env: Record<string, string> = {}, signal: NodeJS.Signals = "SIGTERM") {
  const old = system.find((s) => s.name === name)!;
  await old.stop(signal);
  const fresh = await startService(name, 1, env);
  system = [...system.filter((s) => s !== old), fresh];
  return fresh;
}

describe("every demo trigger as a two-phase commit: all or nothing", () => {
  test("approved: the client waits for all four databases, then every effect is there and nothing is left in doubt", async () => {
    const user = await createUser(100_000);
    const answer = await place(user.id);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ status: "APPROVED", totalCents: 2500 });
    const order = (await api("order", `/orders/${answer.body.id}`)).body;
    expect(order).toMatchObject({ transaction: "two-phase-commit", status: "APPROVED", failureReason: null, twoPhaseCommit: { decision: "COMMIT", reason: null } });
    expect(order.history.map((s: { type: string }) => s.type)).toEqual(["Prepared", "Prepared", "Prepared", "Committed", "OrderApproved"]);
    expect(await userById(user.id)).toMatchObject({ reservedCents: 2500 });
    expect(await paymentsOf(answer.body.id)).toEqual([expect.objectContaining({ status: "CAPTURED", amountCents: 2500 })]);
    expect(await deliveriesOf(answer.body.id)).toEqual([expect.objectContaining({ status: "SCHEDULED" })]);
    expect(await inDoubt(answer.body.id)).toEqual([]);
  });

  test.each([
    ["not enough credit", () => createUser(1000), {}, "not enough credit: 10.00 available, 25.00 needed"],
    ["a suspended user", () => createUser(100_000, "SUSPENDED"), {}, "user is suspended"],
    ["an unknown user", async () => ({ id: randomUUID() }), {}, "unknown user"],
    ["a declined card", () => createUser(100_000), { paymentToken: "tok_chargeDeclined" }, "payment failed: card declined"],
    ["insufficient funds", () => createUser(100_000), { paymentToken: "tok_insufficientFunds" }, "payment failed: insufficient funds"],
    ["an address not served (AQ)", () => createUser(100_000), { country: "AQ" }, "delivery failed: address not serviceable: we do not deliver to AQ"],
  ])("rejected for %s: the reason the sagas give, and no trace in any other service", async (_why, makeUser, overrides, reason) => {
    const user = await makeUser();
    const answer = await place(user.id, overrides);
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBe("REJECTED");
    const order = (await api("order", `/orders/${answer.body.id}`)).body;
    expect(order).toMatchObject({ status: "REJECTED", failureReason: reason, twoPhaseCommit: { decision: "ABORT", reason } });
    // No reservation, payment or delivery: not even the declined payment or the failed delivery.
    expect((await sql(databaseOf("user"), `SELECT count(*)::int AS n FROM credit_reservations WHERE order_id = '${answer.body.id}'`)).rows[0].n).toBe(0);
    expect(await paymentsOf(answer.body.id)).toEqual([]);
    expect(await deliveriesOf(answer.body.id)).toEqual([]);
    if ("status" in user) expect((await userById(user.id)).reservedCents).toBe(0);
    expect(await inDoubt(answer.body.id)).toEqual([]);
  });
});

describe("a coordinator that crashes", () => {
  test("before its decision: everything stays prepared and locked until it is back, then it presumes abort and rolls back everywhere", async () => {
    await restart("order", { TWO_PHASE_COMMIT_PAUSE_BEFORE_DECISION_MS: "60000" });
    const user = await createUser(100_000);
    const pending = place(user.id).catch(() => undefined); // its connection dies with the coordinator
    const orderId = await waitFor("the order to be created", async () => {
      const rows = (await sql(databaseOf("order"), `SELECT id FROM orders WHERE user_id = '${user.id}'`)).rows;
      return rows[0]?.id as string | undefined;
    });
    // Phase one done in all four databases, nothing decided: in doubt everywhere.
    const prepared = await waitFor("four prepared transactions", async () => ((await inDoubt(orderId)).length === 4 ? inDoubt(orderId) : undefined));
    expect(prepared).toEqual(["delivery", "order", "payment", "user"].map((s) => `${s}:saga-shop:${orderId}:${s}`));
    await restart("order", {}, "SIGKILL");
    await pending;
    const order = await waitFor("the restarted coordinator to end it", async () => {
      const o = (await api("order", `/orders/${orderId}`)).body;
      return o.status === "PENDING" ? undefined : o;
    }, 60_000);
    expect(order).toMatchObject({ status: "REJECTED", failureReason: "the coordinator stopped before it decided (presumed abort)" });
    expect(await inDoubt(orderId)).toEqual([]);
    expect(await paymentsOf(orderId)).toEqual([]);
    expect(await deliveriesOf(orderId)).toEqual([]);
    expect((await userById(user.id)).reservedCents).toBe(0);
  });

  test("after its decision: the restarted coordinator finishes phase two from its log, and the order is approved", async () => {
    await restart("order", { TWO_PHASE_COMMIT_PAUSE_AFTER_DECISION_MS: "60000" });
    const user = await createUser(100_000);
    const pending = place(user.id).catch(() => undefined);
    const orderId = await waitFor("the decision to be logged", async () => {
      const rows = (await sql(databaseOf("order"), `SELECT t.order_id FROM two_phase_commits t JOIN orders o ON o.id = t.order_id WHERE o.user_id = '${user.id}' AND t.decision = 'COMMIT'`)).rows;
      return rows[0]?.order_id as string | undefined;
    });
    expect((await inDoubt(orderId)).length).toBe(4);
    await restart("order", {}, "SIGKILL");
    await pending;
    const order = await waitFor("the restarted coordinator to finish phase two", async () => {
      const o = (await api("order", `/orders/${orderId}`)).body;
      return o.history?.some((s: { type: string }) => s.type === "OrderApproved") ? o : undefined;
    }, 60_000);
    expect(order).toMatchObject({ status: "APPROVED", twoPhaseCommit: { decision: "COMMIT" } });
    expect(await inDoubt(orderId)).toEqual([]);
    expect(await paymentsOf(orderId)).toEqual([expect.objectContaining({ status: "CAPTURED" })]);
    expect((await userById(user.id)).reservedCents).toBe(2500);
  });
});

test("a participant that crashes after it prepared cannot decide alone: its work waits, prepared, and is committed once it is back", async () => {
  await restart("order", { TWO_PHASE_COMMIT_PAUSE_BEFORE_DECISION_MS: "3000" });
  const user = await createUser(100_000);
  const answer = place(user.id);
  const orderId = await waitFor("the payment to be prepared", async () => {
    const rows = (await sql(databaseOf("payment"), "SELECT gid FROM pg_prepared_xacts WHERE gid LIKE 'saga-shop:%:payment' AND database = current_database()")).rows;
    return (rows[0]?.gid as string | undefined)?.split(":")[1];
  });
  const payment = system.find((s) => s.name === "payment")!;
  await payment.stop("SIGKILL");
  // Still prepared in its database while its process is gone: only the coordinator can end it.
  expect(await inDoubt(orderId)).toContain(`payment:saga-shop:${orderId}:payment`);
  await new Promise((resolve) => setTimeout(resolve, 4000)); // the coordinator has decided, and cannot reach payment
  system = [...system.filter((s) => s !== payment), await startService("payment")];
  const done = await answer;
  expect(done.status).toBe(201);
  expect(done.body.status).toBe("APPROVED");
  expect(await paymentsOf(orderId)).toEqual([expect.objectContaining({ status: "CAPTURED", amountCents: 2500 })]);
  expect(await inDoubt(orderId)).toEqual([]);
  await restart("order");
});

test("a prepare that arrives after its order ended (the coordinator gave up on its answer) does not stay in doubt: the coordinator rolls it back", async () => {
  const user = await createUser(100_000);
  const answer = await place(user.id, { paymentToken: "tok_chargeDeclined" });
  expect(answer.body.status).toBe("REJECTED");
  const orderId = answer.body.id;
  // The user service's prepare of this order, late: its order is over, aborted, its log completed.
  const token = process.env.TWO_PHASE_COMMIT_TOKEN ?? "test-two-phase-commit-token";
  const late = await fetch(`${participantUrlOf("user")}/2pc/prepare`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ gid: `saga-shop:${orderId}:user`, orderId, step: { userId: user.id, amountCents: 2500 } }),
  });
  expect(await late.json()).toEqual({ vote: "yes" });
  expect(await inDoubt(orderId)).toEqual([`user:saga-shop:${orderId}:user`]);
  // A coordinator looks for such orphans when it starts, and every half minute after.
  await restart("order");
  await waitFor("the late prepare to be rolled back", async () => ((await inDoubt(orderId)).length === 0 ? true : undefined), 30_000);
  expect((await userById(user.id)).reservedCents).toBe(0);
});

describe("the participant API answers the coordinator only", () => {
  const gid = `saga-shop:${randomUUID()}:user`;
  test.each([
    ["no token", {}],
    ["a wrong token", { authorization: "Bearer not-the-coordinators-secret" }],
    ["the token without Bearer", { authorization: process.env.TWO_PHASE_COMMIT_TOKEN ?? "test-two-phase-commit-token" }],
  ])("given %s, then every route refuses with 401", async (_what, headers) => {
    for (const [method, path] of [["GET", "/2pc/in-doubt"], ["POST", "/2pc/rollback"], ["POST", "/2pc/prepare"]] as const) {
      const response = await fetch(`${participantUrlOf("user")}${path}`, {
        method,
        headers: { ...headers, "content-type": "application/json" },
        body: method === "POST" ? JSON.stringify({ gid }) : undefined,
      });
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
    }
  });

  test("and it is not on the public port", async () => {
    expect((await api("user", "/2pc/in-doubt")).status).toBe(404);
  });
});
