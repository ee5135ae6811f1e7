import { adminUrlOf, sql } from "../test-support/postgres";
import { TOPIC_PARTITIONS } from "@saga-shop/contracts";
import { partitionOfKey } from "@saga-shop/messaging";
import { createUser, deliveriesOf, paymentsOf, userById } from "../e2e/support/shop";
import { portOf, serviceNames, startService, waitFor, type RunningService, type ServiceName } from "../e2e/support/system";

// `pnpm demo:2pc-blocking` (scripts/demo-2pc.mjs): where a two-phase commit blocks, shown with
// real processes and checked as it goes, then the two sagas through the same fault.
//
// Two order services run: order#1 is the coordinator of user A's two-phase commit (it waits
// before deciding, so that it can be killed with everything prepared); order#2 takes the orders
// placed meanwhile. Both keep a long lease, so order#2 does not take over order#1's transaction:
// the in-doubt time is as long as order#1 stays down.

jest.setTimeout(10 * 60_000);
const started = Date.now();
const say = (line = "") => process.stderr.write(`${line ? `  [demo ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ` : ""}${line}\n`);
const table = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [k, row] of rows.entries()) {
    say(`| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`);
    if (k === 0) say(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  }
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const LONG = "600000";
const coordinatorEnv = { TWO_PHASE_COMMIT_PAUSE_BEFORE_DECISION_MS: LONG, TWO_PHASE_COMMIT_LEASE_MS: LONG };
let order1: RunningService;
let order2: RunningService;
let others: RunningService[] = [];

const databaseOf = (service: ServiceName) => adminUrlOf(`${process.env.TEST_DB_PREFIX}${service}_service`);
const orderUrl = (instance: number) => `http://127.0.0.1:${portOf("order", instance)}`;

async function post(instance: number, userId: string, transaction: string, country = "KR") {
  const t0 = Date.now();
  const response = await fetch(`${orderUrl(instance)}/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      userId,
      items: [{ sku: "demo", quantity: 1, unitPriceCents: 2500 }],
      paymentToken: "tok_visa",
      shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country },
      transaction,
    }),
  });
  return { ...((await response.json()) as { id: string; status: string }), httpStatus: response.status, ms: Date.now() - t0 };
}
const orderOf = async (id: string, instance = 2) => (await fetch(`${orderUrl(instance)}/orders/${id}`).then((r) => r.json())) as { status: string; failureReason: string | null; history: { type: string }[] };
const until = (what: string, probe: () => Promise<boolean>, timeoutMs = 60_000) => waitFor(what, async () => ((await probe()) ? true : undefined), timeoutMs);

async function preparedOf(orderId: string) {
  const rows = await Promise.all(
    serviceNames.map(async (service) => (await sql(databaseOf(service), `SELECT gid, prepared FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE 'saga-shop:${orderId}:%'`)).rows.map((r) => ({ service, ...r }))),
  );
  return rows.flat();
}

/** Whether user A's row can be locked right now (FOR UPDATE NOWAIT: fails at once if held). */
async function userRowFree(userId: string): Promise<boolean> {
  try {
    await sql(databaseOf("user"), `BEGIN; SELECT id FROM users WHERE id = '${userId}' FOR UPDATE NOWAIT; ROLLBACK;`);
    return true;
  } catch (error) {
    if (/could not obtain lock/.test(String(error))) return false;
    throw error;
  }
}

beforeAll(async () => {
  others = await Promise.all((["user", "payment", "delivery"] as const).map((name) => startService(name)));
  order1 = await startService("order", 1, coordinatorEnv);
  order2 = await startService("order", 2, { TWO_PHASE_COMMIT_LEASE_MS: LONG });
});
afterAll(async () => {
  await Promise.all([order1, order2, ...others].map((s) => s.stop()));
});

test("a two-phase commit whose coordinator dies before phase two keeps user A locked until it is back; the sagas lock nothing", async () => {
  const userA = await createUser(10_000_000);
  const userB = await createUser(10_000_000);
  say();
  say(`1. A two-phase commit of user A (${userA.id.slice(0, 8)}…) through order#1, the coordinator; it prepares everywhere, then waits before deciding.`);
  const firstA = post(1, userA.id, "two-phase-commit").catch(() => undefined);
  const firstId = await waitFor("A's order to exist", async () => (await sql(databaseOf("order"), `SELECT id FROM orders WHERE user_id = '${userA.id}'`)).rows[0]?.id as string | undefined);
  await until("phase one to finish in all four databases", async () => (await preparedOf(firstId)).length === 4);
  await order1.stop("SIGKILL");
  const killedAt = Date.now();
  say(`   Every database voted yes and prepared. order#1 SIGKILLed before its decision: order ${firstId.slice(0, 8)}… is in doubt.`);

  say();
  say("2. What the databases hold meanwhile: prepared transactions, and their locks.");
  const prepared = await preparedOf(firstId);
  table([["database", "pg_prepared_xacts.gid", "prepared at"], ...prepared.map((p) => [`${p.service}_service`, String(p.gid), new Date(p.prepared).toISOString()])]);
  // A prepared transaction's locks belong to no session (pid is null); its row locks are in the rows.
  const locks = (
    await sql(
      databaseOf("user"),
      "SELECT l.locktype, l.relation::regclass::text AS relation, l.mode FROM pg_locks l WHERE l.pid IS NULL AND l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 2",
    )
  ).rows;
  say("   In the user database, the locks held by the prepared transaction (they belong to no session: pid is null):");
  table([["locktype", "relation", "mode"], ...locks.map((l) => [String(l.locktype), String(l.relation ?? ""), String(l.mode)])]);
  expect(locks.some((l) => l.relation === "users" && l.mode === "RowExclusiveLock")).toBe(true);
  expect(await userRowFree(userA.id)).toBe(false);
  expect(await userRowFree(userB.id)).toBe(true);
  say("   SELECT … FROM users WHERE id = <A> FOR UPDATE NOWAIT: could not obtain lock on row (user B's row: free).");

  say();
  say("   Orders placed meanwhile through order#2 (which leaves order#1's transaction alone: its lease holds):");
  const placed = {
    choreographyA: await post(2, userA.id, "choreography"),
    orchestrationA: await post(2, userA.id, "orchestration"),
    twoPhaseA: await post(2, userA.id, "two-phase-commit"),
    choreographyB: await post(2, userB.id, "choreography"),
    orchestrationB: await post(2, userB.id, "orchestration"),
    twoPhaseB: await post(2, userB.id, "two-phase-commit"),
  };
  // One partition is consumed in order: a saga of B whose first message hashes to the partition
  // where A's waits queues behind it (head-of-line), though B's row is free.
  const firstTopics = { choreography: "order.events", orchestration: "user.commands" } as const;
  const behindA = {
    choreography: partitionOfKey(placed.choreographyB.id, TOPIC_PARTITIONS) === partitionOfKey(placed.choreographyA.id, TOPIC_PARTITIONS),
    orchestration: partitionOfKey(placed.orchestrationB.id, TOPIC_PARTITIONS) === partitionOfKey(placed.orchestrationA.id, TOPIC_PARTITIONS),
  };
  const whereOf = (model: keyof typeof firstTopics, id: string) => `${firstTopics[model]}/${partitionOfKey(id, TOPIC_PARTITIONS)}`;
  await until("user B's sagas on other partitions than A's to finish", async () =>
    (behindA.choreography || (await orderOf(placed.choreographyB.id)).status !== "PENDING") &&
    (behindA.orchestration || (await orderOf(placed.orchestrationB.id)).status !== "PENDING"),
  );
  await sleep(3000); // time enough for user A's sagas to show that they wait
  const now = {
    choreographyA: await orderOf(placed.choreographyA.id),
    orchestrationA: await orderOf(placed.orchestrationA.id),
    twoPhaseA: await orderOf(placed.twoPhaseA.id),
    choreographyB: await orderOf(placed.choreographyB.id),
    orchestrationB: await orderOf(placed.orchestrationB.id),
    twoPhaseB: await orderOf(placed.twoPhaseB.id),
  };
  const whyB = (model: keyof typeof firstTopics, id: string) =>
    behindA[model]
      ? `B's row is free, but its first message is on ${whereOf(model, id)}, behind A's waiting one: a partition is consumed in order`
      : `B's row is free (its first message on ${whereOf(model, id)}, A's on another partition)`;
  table([
    ["user", "model", "now", "why"],
    ["A", "choreography", now.choreographyA.status, `the user service's reservation waits on A's locked row (its event, on ${whereOf("choreography", placed.choreographyA.id)}, retried, not dead-lettered)`],
    ["A", "orchestration", now.orchestrationA.status, `ReserveCredit (on ${whereOf("orchestration", placed.orchestrationA.id)}) waits on the same row; the manager waits for its reply`],
    ["A", "two-phase commit", now.twoPhaseA.status, now.twoPhaseA.failureReason ?? ""],
    ["B", "choreography", now.choreographyB.status, whyB("choreography", placed.choreographyB.id)],
    ["B", "orchestration", now.orchestrationB.status, whyB("orchestration", placed.orchestrationB.id)],
    ["B", "two-phase commit", now.twoPhaseB.status, "B's row is free"],
  ]);
  expect(now.choreographyA.status).toBe("PENDING");
  expect(now.orchestrationA.status).toBe("PENDING");
  expect(now.twoPhaseA).toMatchObject({ status: "REJECTED", failureReason: expect.stringMatching(/held by another transaction/) });
  expect(now.choreographyB.status).toBe(behindA.choreography ? "PENDING" : "APPROVED");
  expect(now.orchestrationB.status).toBe(behindA.orchestration ? "PENDING" : "APPROVED");
  expect(now.twoPhaseB.status).toBe("APPROVED");
  say(`   User A has been locked for ${seconds(Date.now() - killedAt)} now, for as long as its coordinator stays down.`);

  say();
  say("3. order#1 started again (the same coordinator): it reads its log, finds no decision, and presumes abort.");
  order1 = await startService("order", 1, coordinatorEnv);
  await until("A's two-phase commit to be resolved", async () => (await orderOf(firstId)).status !== "PENDING");
  const lockedMs = Date.now() - killedAt;
  expect(await orderOf(firstId)).toMatchObject({ status: "REJECTED", failureReason: "the coordinator stopped before it decided (presumed abort)" });
  expect(await preparedOf(firstId)).toEqual([]);
  expect(await userRowFree(userA.id)).toBe(true);
  await firstA;
  const waiting = [placed.choreographyA, placed.orchestrationA, placed.choreographyB, placed.orchestrationB];
  await until("the waiting sagas to finish", async () => (await Promise.all(waiting.map((o) => orderOf(o.id)))).every((o) => o.status !== "PENDING"));
  for (const o of waiting) expect((await orderOf(o.id)).status).toBe("APPROVED");
  say(`   Rolled back in all four databases: nothing left in doubt, user A's row free after ${seconds(lockedMs)} locked; the sagas that waited (A's, and any of B's behind them) went on and were APPROVED.`);

  say();
  say("4. The same fault for the sagas: the order service (both instances) killed right after taking an order.");
  const choreography = await post(1, userA.id, "choreography");
  const orchestration = await post(1, userA.id, "orchestration");
  await Promise.all([order1.stop("SIGKILL"), order2.stop("SIGKILL")]);
  const downAt = Date.now();
  await sleep(6000);
  const payments = { choreography: await paymentsOf(choreography.id), orchestration: await paymentsOf(orchestration.id) };
  const deliveries = { choreography: await deliveriesOf(choreography.id), orchestration: await deliveriesOf(orchestration.id) };
  const reserved = (await sql(databaseOf("user"), `SELECT order_id FROM credit_reservations WHERE order_id IN ('${choreography.id}', '${orchestration.id}')`)).rows.map((r) => r.order_id);
  const rowFreeWhileDown = await userRowFree(userA.id);
  expect(rowFreeWhileDown).toBe(true);
  // The choreography went on without the order service: only its decision waits.
  expect(payments.choreography).toEqual([expect.objectContaining({ status: "CAPTURED" })]);
  expect(deliveries.choreography).toEqual([expect.objectContaining({ status: "SCHEDULED" })]);
  order1 = await startService("order", 1, coordinatorEnv);
  order2 = await startService("order", 2, { TWO_PHASE_COMMIT_LEASE_MS: LONG });
  await until("both sagas to finish", async () => (await orderOf(choreography.id, 1)).status !== "PENDING" && (await orderOf(orchestration.id, 1)).status !== "PENDING");
  const sagaDownMs = Date.now() - downAt;
  expect((await orderOf(choreography.id, 1)).status).toBe("APPROVED");
  expect((await orderOf(orchestration.id, 1)).status).toBe("APPROVED");
  const orchestrationProgress = `${reserved.includes(orchestration.id) ? "credit reserved" : "nothing yet"}${payments.orchestration.length ? ", payment captured" : ""}; then it waited for the manager`;

  say();
  say("Side by side: the order service down in the middle of an order.");
  table([
    ["model", "while it was down", "rows locked meanwhile", "user A's other orders", "resolved"],
    ["choreography", "credit reserved, payment captured, delivery scheduled: only the decision waited", "none", "not held (no new order while the order service is down)", `${seconds(sagaDownMs)} after the kill (its restart)`],
    ["orchestration", orchestrationProgress, "none", "not held (no new order while the order service is down)", `${seconds(sagaDownMs)} after the kill (its restart)`],
    ["two-phase commit", "prepared in four databases, in doubt: no one may decide but the coordinator", "A's row in users; the new payment, delivery and order rows", "blocked (sagas) or refused (a new two-phase commit)", `${seconds(lockedMs)} locked, until the coordinator was back`],
  ]);
  expect((await userById(userA.id)).reservedCents).toBe(4 * 2500);
});
