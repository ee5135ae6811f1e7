import { randomUUID } from "node:crypto";
import type { ServiceName } from "../../e2e/support/system";
import { serviceNames, urlOf } from "../../e2e/support/system";
import { inDoubt, sql, unsentOutboxRows } from "./db";
import { progress, sleep } from "./env";
import { allLags, withAdmin } from "./kafka";

// Orders with a known fate: each scenario dictates the terminal state, the reason, the saga's
// steps and what every service must hold at the end, so every order can be checked, not a sample.

export type Scenario = "approved" | "rejected-credit" | "cancelled-payment" | "cancelled-delivery";
export const scenarios: Scenario[] = ["approved", "rejected-credit", "cancelled-payment", "cancelled-delivery"];

const money = (cents: number) => (cents / 100).toFixed(2);

export interface Users {
  /** Credit enough for everything they will ever order here. */
  rich: string[];
  /** 10.00 of credit and never anything reserved: every order over 10.00 is rejected. */
  poor: string[];
}
export const POOR_CREDIT_CENTS = 1000;

/** The three transaction models the suite runs side by side. */
export type Model = "choreography" | "orchestration" | "two-phase-commit";
export const models: Model[] = ["choreography", "orchestration", "two-phase-commit"];

export interface PlannedOrder {
  key: string;
  scenario: Scenario;
  transaction: Model;
  userId: string;
  totalCents: number;
  paymentToken: string;
  country: string;
  /** Set once the order service accepted it. */
  id?: string;
}

export interface Expected {
  status: "APPROVED" | "REJECTED" | "CANCELLED";
  reason: string | null;
  /**
   * The steps on the order's timeline, each once. For a two-phase commit, only the steps every
   * outcome has: the votes depend on who answered.
   */
  history: string[];
  /**
   * A two-phase commit may also end REJECTED because a participant or its coordinator was down
   * (a SIGKILL, a restart): all or nothing then means nothing, which the suite checks too.
   */
  orUnavailable?: boolean;
  payment: { status: string; declineReason: string | null; refundReason: string | null } | null;
  delivery: { status: string; failureReason: string | null } | null;
  reservation: { status: string; reason: string | null } | null;
}

const AQ = "address not serviceable: we do not deliver to AQ";

/** The steps an orchestrated saga takes for each scenario: the manager's commands and their replies. */
const orchestrated: Record<Scenario, string[]> = {
  approved: ["ReserveCredit", "ReserveCreditSucceeded", "ChargePayment", "ChargePaymentSucceeded", "ScheduleDelivery", "ScheduleDeliverySucceeded", "OrderApproved"],
  "rejected-credit": ["ReserveCredit", "ReserveCreditFailed", "OrderRejected"],
  "cancelled-payment": ["ReserveCredit", "ReserveCreditSucceeded", "ChargePayment", "ChargePaymentFailed", "ReleaseCredit", "ReleaseCreditSucceeded", "OrderCancelled"],
  "cancelled-delivery": [
    ...["ReserveCredit", "ReserveCreditSucceeded", "ChargePayment", "ChargePaymentSucceeded", "ScheduleDelivery", "ScheduleDeliveryFailed"],
    ...["RefundPayment", "RefundPaymentSucceeded", "ReleaseCredit", "ReleaseCreditSucceeded", "OrderCancelled"],
  ],
};

/** The same end in both sagas (state, reason, effects); only the steps on the way differ. */
export function expectedOf(order: PlannedOrder): Expected {
  const expected = choreographed(order);
  if (order.transaction === "orchestration") return { ...expected, history: orchestrated[order.scenario] };
  if (order.transaction === "two-phase-commit") return twoPhase(order.scenario, expected);
  return expected;
}

/** The reasons a two-phase commit gives when someone it needed was down: it then aborts. */
export const UNAVAILABLE = /did not answer|held by another transaction|presumed abort|could not prepare/;

/**
 * A two-phase commit has no CANCELLED: where a saga would compensate, it aborts, REJECTED for
 * the same reason, and leaves no trace anywhere (no payment, delivery or reservation at all).
 */
function twoPhase(scenario: Scenario, saga: Expected): Expected {
  if (scenario === "approved") return { ...saga, history: ["Committed", "OrderApproved"], orUnavailable: true };
  return { status: "REJECTED", reason: saga.reason, history: ["RolledBack", "OrderRejected"], payment: null, delivery: null, reservation: null, orUnavailable: true };
}

/** What an order that aborted for unavailability must hold: nothing, anywhere. */
export const abortedForUnavailability = (reason: string): Expected => ({
  status: "REJECTED",
  reason,
  history: ["RolledBack", "OrderRejected"],
  payment: null,
  delivery: null,
  reservation: null,
});

function choreographed(order: PlannedOrder): Expected {
  switch (order.scenario) {
    case "approved":
      return {
        status: "APPROVED",
        reason: null,
        history: ["OrderCreated", "CreditReserved", "PaymentCompleted", "DeliveryScheduled", "OrderApproved"],
        payment: { status: "CAPTURED", declineReason: null, refundReason: null },
        delivery: { status: "SCHEDULED", failureReason: null },
        reservation: { status: "RESERVED", reason: null },
      };
    case "rejected-credit":
      return {
        status: "REJECTED",
        reason: `not enough credit: ${money(POOR_CREDIT_CENTS)} available, ${money(order.totalCents)} needed`,
        history: ["OrderCreated", "CreditRejected", "OrderRejected"],
        payment: null,
        delivery: null,
        reservation: null,
      };
    case "cancelled-payment": {
      const decline = order.paymentToken === "tok_chargeDeclined" ? "card declined" : "insufficient funds";
      return {
        status: "CANCELLED",
        reason: `payment failed: ${decline}`,
        history: ["OrderCreated", "CreditReserved", "PaymentFailed", "CreditReleased", "OrderCancelled"],
        payment: { status: "DECLINED", declineReason: decline, refundReason: null },
        delivery: null,
        reservation: { status: "RELEASED", reason: `payment failed: ${decline}` },
      };
    }
    case "cancelled-delivery":
      return {
        status: "CANCELLED",
        reason: `delivery failed: ${AQ}`,
        history: ["OrderCreated", "CreditReserved", "PaymentCompleted", "DeliveryFailed", "PaymentRefunded", "CreditReleased", "OrderCancelled"],
        payment: { status: "REFUNDED", declineReason: null, refundReason: `delivery failed: ${AQ}` },
        delivery: { status: "FAILED", failureReason: AQ },
        reservation: { status: "RELEASED", reason: `delivery failed: ${AQ}` },
      };
  }
}

export async function createUsers(rich: number, poor: number): Promise<Users> {
  const create = async (creditLimitCents: number) => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${urlOf("user")}/users`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Chaos customer", creditLimitCents }),
      }).catch(() => undefined);
      if (response?.status === 201) return ((await response.json()) as { id: string }).id;
      if (attempt >= 20) throw new Error(`could not create a user: ${response?.status} ${await response?.text()}`);
      await sleep(500);
    }
  };
  return {
    rich: await Promise.all(Array.from({ length: rich }, () => create(100_000_000))),
    poor: await Promise.all(Array.from({ length: poor }, () => create(POOR_CREDIT_CENTS))),
  };
}

/** `count` orders, the scenarios and the two models dealt round-robin and shuffled by `random`. */
export function planOrders(count: number, users: Users, random: { int: (a: number, b: number) => number; pick: <T>(xs: readonly T[]) => T; shuffle: <T>(xs: T[]) => T[] }): PlannedOrder[] {
  const plan = Array.from({ length: count }, (_, i): PlannedOrder => {
    const scenario = scenarios[i % scenarios.length]!;
    const transaction = models[Math.floor(i / scenarios.length) % models.length]!;
    const base = { key: `chaos-${randomUUID()}`, scenario, transaction, totalCents: random.int(101, 9_999) };
    switch (scenario) {
      case "approved":
        return { ...base, userId: random.pick(users.rich), paymentToken: "tok_visa", country: random.pick(["KR", "US", "GB", "DE", "FR", "JP"]) };
      case "rejected-credit":
        return { ...base, totalCents: random.int(POOR_CREDIT_CENTS + 1, 9_999), userId: random.pick(users.poor), paymentToken: "tok_visa", country: "KR" };
      case "cancelled-payment":
        return { ...base, userId: random.pick(users.rich), paymentToken: random.pick(["tok_chargeDeclined", "tok_insufficientFunds"]), country: "DE" };
      case "cancelled-delivery":
        return { ...base, userId: random.pick(users.rich), paymentToken: "tok_visa", country: "AQ" };
      default:
        throw new Error(`no plan for scenario ${scenario satisfies never}`);
    }
  });
  return random.shuffle(plan);
}

export interface PlacementStats {
  attempts: number;
  /** Answers of 5xx while the order service or its database was being disrupted (retried). */
  serverErrors: number;
  /** Requests that got no answer (service down or killed mid-request; retried). */
  networkErrors: number;
  /** Retries the order service answered with the order it already had (`idempotent-replayed`). */
  replayed: number;
}

/**
 * Places an order the way a careful client would: with an Idempotency-Key, retrying until the
 * order service accepts it, so a crash mid-request neither loses the order nor creates it twice.
 */
export async function placeReliably(order: PlannedOrder, stats: PlacementStats, timeoutMs = 180_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const body = JSON.stringify({
    userId: order.userId,
    items: [{ sku: "chaos-sku", quantity: 1, unitPriceCents: order.totalCents }],
    paymentToken: order.paymentToken,
    shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: order.country },
    transaction: order.transaction,
  });
  for (;;) {
    stats.attempts++;
    try {
      const response = await fetch(`${urlOf("order")}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": order.key },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      // 202 for a saga; 201 for a two-phase commit that ended (202 while its phase two goes on).
      if (response.status === 202 || response.status === 201) {
        if (response.headers.get("idempotent-replayed") === "true") stats.replayed++;
        order.id = (JSON.parse(text) as { id: string }).id;
        return order.id;
      }
      if (response.status < 500) throw new Error(`order refused with ${response.status}: ${text}`);
      stats.serverErrors++;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("order refused")) throw error;
      stats.networkErrors++;
    }
    if (Date.now() > deadline) throw new Error(`order ${order.key} could not be placed in ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Runs `fn` over `items` with at most `concurrency` at a time. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        await fn(items[index]!, index);
      }
    }),
  );
}

export interface QuietState {
  pending: number;
  unsent: Record<ServiceName, number>;
  /** Two-phase commits still in doubt anywhere, or unfinished in the coordinator's log. */
  inDoubt: number;
  lag: Record<ServiceName, number>;
}

/**
 * Settled: none of `orderIds` is PENDING, no outbox row is unsent, no two-phase commit is in
 * doubt or unfinished, and every consumer group has
 * committed past every message, twice in a row. Then nothing is in flight anywhere.
 */
export async function waitUntilSettled(orderIds: string[], timeoutMs: number, what = "the system"): Promise<{ ms: number; state: QuietState }> {
  const started = Date.now();
  let state: QuietState | undefined;
  let lastReport = 0;
  let quietPolls = 0;
  for (;;) {
    try {
      // Lag before and after the outbox: an event handled in between would show in one of them.
      const lagBefore = await withAdmin(allLags);
      const unsent = await unsentOutboxRows();
      const doubt = await inDoubt();
      const inDoubtCount = Object.values(doubt).reduce((a, b) => a + b, 0);
      const pending = orderIds.length
        ? (await sql("order", "SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) AND status = 'PENDING'", [orderIds]))[0].n
        : 0;
      const lag = await withAdmin(allLags);
      state = { pending, unsent, inDoubt: inDoubtCount, lag };
      const quiet = pending === 0 && inDoubtCount === 0 && serviceNames.every((s) => unsent[s] === 0 && lag[s] === 0 && lagBefore[s] === 0);
      quietPolls = quiet ? quietPolls + 1 : 0;
      if (quietPolls >= 2) return { ms: Date.now() - started, state };
    } catch {
      // The broker or the database is still coming back: try again.
    }
    if (Date.now() - lastReport > 10_000 && state) {
      lastReport = Date.now();
      progress(
        `waiting for ${what} to settle: ${state.pending} orders pending, unsent outbox ${JSON.stringify(state.unsent)}, ` +
          `${state.inDoubt} two-phase commits in doubt, consumer lag ${JSON.stringify(state.lag)}`,
      );
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${what} did not settle within ${timeoutMs / 1000} s: ${JSON.stringify(state)}`);
    }
    await sleep(quietPolls ? 250 : 500);
  }
}
