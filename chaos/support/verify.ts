import { serviceNames, type ServiceName } from "../../e2e/support/system";
import { sql } from "./db";
import { sagaTopicList, groups, readTopics, type TopicMessage } from "./kafka";
import { abortedForUnavailability, expectedOf, models, UNAVAILABLE, type Model, type PlannedOrder, type Users } from "./orders";

/** Timeline steps of a two-phase commit that are not messages on a topic, and its votes. */
const TWO_PHASE_STEPS = ["Committed", "RolledBack"];
const TWO_PHASE_VOTES = ["Prepared", "VotedNo", "NoAnswer"];

// Every order checked against what its scenario dictates, in every service's database and on
// every topic. Each problem is a line of text naming the order, so a failure says what broke.

export interface Verdict {
  orders: number;
  terminal: number;
  /** Terminal orders of each transaction model. */
  terminalByModel: Record<Model, number>;
  /** Two-phase commits that aborted because a participant or their coordinator was down (all or nothing: nothing). */
  twoPhaseUnavailable: number;
  /** Orders or effects that should exist and do not (order missing or not terminal, effect missing, event never published). */
  lost: string[];
  /** Effects that happened more than once (second order for a key, second payment, step or event). */
  duplicated: string[];
  /** Orders that ended in a state, reason or effect other than their scenario's. */
  wrong: string[];
  /** Users whose reservedCents is not the sum of their APPROVED orders. */
  creditMismatches: string[];
  /** Consumer bookkeeping: processed_events vs the events on the topics. */
  processing: string[];
  /** Messages of these orders beyond the first copy of each event (a relay re-published after a crash). */
  republished: Record<string, number>;
  /** Messages on the event topics about these orders. */
  eventsOnTopics: number;
  /** Rows in each service's processed_events (all orders, not only these). */
  processedEvents: Record<ServiceName, number>;
}

const byKey = <T, K>(rows: T[], key: (row: T) => K) => {
  const map = new Map<K, T[]>();
  for (const row of rows) map.set(key(row), [...(map.get(key(row)) ?? []), row]);
  return map;
};

const sameMultiset = (a: string[], b: string[]) => [...a].sort().join(",") === [...b].sort().join(",");

/** A verdict's counts, as the parts of the suite record them in their figures. */
export const verdictFigures = (verdict: Verdict) => ({
  ordersTerminal: verdict.terminal,
  lost: verdict.lost.length,
  duplicatedEffects: verdict.duplicated.length,
  wrongOutcomes: verdict.wrong.length,
  creditMismatches: verdict.creditMismatches.length,
  bookkeepingProblems: verdict.processing.length,
});

export async function verifyOrders(orders: PlannedOrder[], users: Users, topicMessages?: TopicMessage[]): Promise<Verdict> {
  const lost: string[] = [];
  const duplicated: string[] = [];
  const wrong: string[] = [];
  const creditMismatches: string[] = [];
  const processing: string[] = [];
  const keys = orders.map((o) => o.key);

  const orderRows = await sql(
    "order",
    "SELECT id, idempotency_key, status, failure_reason, total_cents, user_id FROM orders WHERE idempotency_key = ANY($1::text[])",
    [keys],
  );
  const ordersByKey = byKey(orderRows, (r) => r.idempotency_key as string);
  const ids = orderRows.map((r) => r.id as string);
  const steps = byKey(await sql("order", "SELECT order_id, type FROM saga_steps WHERE order_id = ANY($1::uuid[])", [ids]), (r) => r.order_id);
  const payments = byKey(
    await sql("payment", "SELECT order_id, status, amount_cents, decline_reason, refund_reason FROM payments WHERE order_id = ANY($1::uuid[])", [ids]),
    (r) => r.order_id,
  );
  const deliveries = byKey(await sql("delivery", "SELECT order_id, status, failure_reason FROM deliveries WHERE order_id = ANY($1::uuid[])", [ids]), (r) => r.order_id);
  const reservations = byKey(
    await sql("user", "SELECT order_id, user_id, status, amount_cents, reason FROM credit_reservations WHERE order_id = ANY($1::uuid[])", [ids]),
    (r) => r.order_id,
  );

  const messages = topicMessages ?? (await readTopics(sagaTopicList));
  const events = messages.filter((m) => m.json?.id && m.json?.orderId);
  const eventsOfOrder = byKey(events, (m) => m.json.orderId as string);

  let terminal = 0;
  let unavailable = 0;
  const terminalByModel = Object.fromEntries(models.map((m) => [m, 0])) as Record<Model, number>;
  for (const order of orders) {
    const found = ordersByKey.get(order.key) ?? [];
    if (found.length === 0) {
      lost.push(`order ${order.key} (${order.scenario}) was accepted as ${order.id} but is not in the order database`);
      continue;
    }
    if (found.length > 1) duplicated.push(`idempotency key ${order.key} has ${found.length} orders`);
    const row = found[0]!;
    const id = row.id as string;
    const label = `order ${id} (${order.scenario})`;
    if (order.id && order.id !== id) wrong.push(`${label}: the API answered id ${order.id}`);
    if (row.status === "PENDING") {
      lost.push(`${label} is still PENDING`);
      continue;
    }
    terminal++;
    terminalByModel[order.transaction]++;
    let expected = expectedOf(order);
    // A two-phase commit refused because someone it needed was down: then nothing may exist anywhere.
    if (expected.orUnavailable && row.status === "REJECTED" && UNAVAILABLE.test(String(row.failure_reason))) {
      expected = abortedForUnavailability(row.failure_reason as string);
      unavailable++;
    }
    if (row.status !== expected.status || row.failure_reason !== expected.reason) {
      wrong.push(`${label}: ${row.status} "${row.failure_reason}", expected ${expected.status} "${expected.reason}"`);
    }
    if (row.total_cents !== order.totalCents) wrong.push(`${label}: total ${row.total_cents}, expected ${order.totalCents}`);

    // The saga's timeline: every expected step exactly once, nothing else (a two-phase commit's
    // votes, one per participant that answered, are left out: who answered depends on the chaos).
    const history = (steps.get(id) ?? []).map((s) => s.type as string).filter((t) => !(order.transaction === "two-phase-commit" && TWO_PHASE_VOTES.includes(t)));
    for (const type of new Set(history)) {
      const n = history.filter((t) => t === type).length;
      if (n > 1) duplicated.push(`${label}: step ${type} recorded ${n} times`);
    }
    if (!sameMultiset([...new Set(history)], expected.history)) {
      const missing = expected.history.filter((t) => !history.includes(t));
      const extra = [...new Set(history)].filter((t) => !expected.history.includes(t));
      (missing.length ? lost : wrong).push(`${label}: history ${history.join(">")}; missing [${missing}] unexpected [${extra}]`);
    }

    // The messages on the topics: each expected event, command or reply published exactly once.
    const published = eventsOfOrder.get(id) ?? [];
    for (const type of expected.history.filter((t) => !TWO_PHASE_STEPS.includes(t))) {
      const distinct = new Set(published.filter((m) => m.json.type === type).map((m) => m.json.id));
      if (distinct.size === 0) lost.push(`${label}: no ${type} on the topics`);
      if (distinct.size > 1) duplicated.push(`${label}: ${distinct.size} different ${type} events (the effect happened ${distinct.size} times)`);
    }
    const unexpected = [...new Set(published.map((m) => m.json.type as string))].filter((t) => !expected.history.includes(t));
    if (unexpected.length) wrong.push(`${label}: unexpected events ${unexpected.join(", ")}`);

    // Each service's own record of the order.
    const check = <T extends Record<string, unknown>>(what: string, rows: any[] | undefined, want: T | null, amount?: number) => {
      const list = rows ?? [];
      if (!want) {
        if (list.length) wrong.push(`${label}: has ${list.length} ${what}(s), expected none`);
        return;
      }
      if (list.length === 0) return void lost.push(`${label}: no ${what}`);
      if (list.length > 1) duplicated.push(`${label}: ${list.length} ${what}s`);
      const got = list[0];
      for (const [field, value] of Object.entries(want)) {
        const column = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
        if (got[column] !== value) wrong.push(`${label}: ${what} ${column} = ${JSON.stringify(got[column])}, expected ${JSON.stringify(value)}`);
      }
      if (amount !== undefined && got.amount_cents !== amount) wrong.push(`${label}: ${what} amount ${got.amount_cents}, expected ${amount}`);
    };
    check("payment", payments.get(id), expected.payment, order.totalCents);
    check("delivery", deliveries.get(id), expected.delivery);
    check("credit reservation", reservations.get(id), expected.reservation, order.totalCents);
  }

  // Credit: each user's reservedCents is exactly what their APPROVED orders spent.
  const userIds = [...users.rich, ...users.poor];
  const userRows = await sql("user", "SELECT id, reserved_cents FROM users WHERE id = ANY($1::uuid[])", [userIds]);
  for (const userId of userIds) {
    const spent = orderRows.filter((r) => r.user_id === userId && r.status === "APPROVED").reduce((sum, r) => sum + (r.total_cents as number), 0);
    const reserved = userRows.find((r) => r.id === userId)?.reserved_cents;
    if (reserved !== spent) creditMismatches.push(`user ${userId}: reservedCents ${reserved}, APPROVED orders total ${spent}`);
  }

  // Bookkeeping of the idempotent consumers: each service processed exactly the events of these
  // orders that it acts on (no more, no fewer), and every outbox row reached its topic.
  const eventById = new Map(events.map((m) => [m.json.id as string, m]));
  const runIds = new Set(ids);
  const processedEvents = {} as Record<ServiceName, number>;
  for (const service of serviceNames) {
    const processed = (await sql(service, "SELECT event_id, event_type FROM processed_events")).map((r) => r.event_id as string);
    processedEvents[service] = processed.length;
    const unknown = processed.filter((id) => !eventById.has(id));
    if (unknown.length) processing.push(`${service}: ${unknown.length} processed event ids are on no topic (e.g. ${unknown[0]})`);
    const processedHere = new Set(processed.filter((id) => runIds.has(eventById.get(id)?.json.orderId)));
    const relevant = new Set(
      events
        .filter((m) => runIds.has(m.json.orderId) && groups[service].topics.includes(m.topic) && groups[service].handles.includes(m.json.type))
        .map((m) => m.json.id as string),
    );
    const notProcessed = [...relevant].filter((id) => !processedHere.has(id));
    const extra = [...processedHere].filter((id) => !relevant.has(id));
    if (notProcessed.length) lost.push(`${service}: ${notProcessed.length} events it acts on were never processed (e.g. ${notProcessed[0]})`);
    if (extra.length) processing.push(`${service}: processed ${extra.length} events it does not act on (e.g. ${extra[0]})`);

    const outbox = await sql(service, "SELECT event_id, topic FROM outbox");
    const onTopic = new Set(messages.map((m) => m.json?.id));
    const neverPublished = outbox.filter((r) => !onTopic.has(r.event_id));
    if (neverPublished.length) lost.push(`${service}: ${neverPublished.length} outbox rows never reached Kafka (e.g. ${neverPublished[0].event_id})`);
  }

  const republished: Record<string, number> = {};
  for (const topic of sagaTopicList) {
    const onTopic = events.filter((m) => m.topic === topic && runIds.has(m.json.orderId));
    republished[topic] = onTopic.length - new Set(onTopic.map((m) => m.json.id)).size;
  }

  return { orders: orders.length, terminal, terminalByModel, twoPhaseUnavailable: unavailable, lost, duplicated, wrong, creditMismatches, processing, republished, eventsOnTopics: events.filter((m) => runIds.has(m.json.orderId)).length, processedEvents };
}
