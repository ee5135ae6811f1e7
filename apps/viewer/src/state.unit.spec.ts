import { deadLetterTopicOf, serviceNames } from "@saga-shop/contracts";
import { deliveryFailure, fakeTopics, orchestratedApproval, paymentFailure } from "../test/records";
import { applyRecord, createState, sagaSummaries, sagaView, deadLetterViews, transactionOf, type KafkaRecord } from "./state";
import { deadLetterTopics, followedTopics, sagaTopics } from "./topics";

const ORDER = "7b50a18f-0000-4000-8000-000000000001";
const OTHER = "7b50a18f-0000-4000-8000-000000000002";

const fold = (records: KafkaRecord[]) => {
  const state = createState(deadLetterTopics);
  for (const record of records) applyRecord(state, record);
  return state;
};

describe("the topics the viewer follows, from the saga map", () => {
  test("every topic of the saga map (events, the orchestration's commands and replies) and every consumer's dead-letter topic", () => {
    expect([...sagaTopics].sort()).toEqual([
      "delivery.commands",
      "delivery.events",
      "order.events",
      "order.replies",
      "payment.commands",
      "payment.events",
      "user.commands",
      "user.events",
    ]);
    expect([...deadLetterTopics]).toEqual(serviceNames.map((s) => [deadLetterTopicOf(s), s]));
    expect(followedTopics).toHaveLength(12);
  });
});

describe("a saga's timeline, from its events", () => {
  test("given a delivery failure's events, then each step is in the lane of its producer, oldest first, the compensations marked, with the reason", () => {
    const topics = fakeTopics();
    const state = fold(deliveryFailure(ORDER).map((event) => topics.publish(event)));
    const view = sagaView(state, ORDER)!;
    expect(view.lanes).toEqual(serviceNames);
    expect(view.steps.map((s) => [s.type, s.producer, s.compensation, s.undoes])).toEqual([
      ["OrderCreated", "order", false, null],
      ["CreditReserved", "user", false, null],
      ["PaymentCompleted", "payment", false, null],
      ["DeliveryFailed", "delivery", false, null],
      ["PaymentRefunded", "payment", true, "PaymentCompleted"],
      ["CreditReleased", "user", true, "CreditReserved"],
      ["OrderCancelled", "order", false, null],
    ]);
    expect(view.steps.map((s) => s.sinceStartMs)).toEqual([0, 40, 90, 150, 200, 240, 280]);
    expect(view.steps[5]).toMatchObject({ topic: "user.events", partition: 0, offset: 1, reason: "delivery failed: address not serviceable: we do not deliver to AQ" });
    expect(view.steps[5]!.summary).toMatch(/^credit of 25\.00 released for order 7b50a18f/);
    expect(view).toMatchObject({ status: "CANCELLED", durationMs: 280, failureReason: "delivery failed: address not serviceable: we do not deliver to AQ", transaction: "choreography" });
  });

  test("given an orchestrated saga, then the manager's commands are in the order service's lane, each reply in its participant's, on their topics", () => {
    const topics = fakeTopics();
    const view = sagaView(fold(orchestratedApproval(ORDER).map((event) => topics.publish(event))), ORDER)!;
    expect(view.steps.map((s) => [s.type, s.producer, s.topic])).toEqual([
      ["ReserveCredit", "order", "user.commands"],
      ["ReserveCreditSucceeded", "user", "order.replies"],
      ["ChargePayment", "order", "payment.commands"],
      ["ChargePaymentSucceeded", "payment", "order.replies"],
      ["ScheduleDelivery", "order", "delivery.commands"],
      ["ScheduleDeliverySucceeded", "delivery", "order.replies"],
      ["OrderApproved", "order", "order.events"],
    ]);
    expect(view).toMatchObject({ status: "APPROVED", durationMs: 90 });
  });

  test("given the same events read in another interleaving of the topics, then the same timeline (only each partition's order is given)", () => {
    const topics = fakeTopics();
    const records = deliveryFailure(ORDER).map((event) => topics.publish(event));
    const byTopic = (topic: string) => records.filter((r) => r.topic === topic);
    const interleaved = [...byTopic("user.events"), ...byTopic("delivery.events"), ...byTopic("order.events"), ...byTopic("payment.events")];
    expect(sagaView(fold(interleaved), ORDER)).toEqual(sagaView(fold(records), ORDER));
  });

  test("given a saga still running, then it is PENDING, with no duration and no failure reason", () => {
    const topics = fakeTopics();
    const view = sagaView(fold(deliveryFailure(ORDER).slice(0, 3).map((event) => topics.publish(event))), ORDER)!;
    expect(view).toMatchObject({ status: "PENDING", durationMs: null, failureReason: null, stepCount: 3 });
  });

  test("given a record redelivered after a rebalance (an offset already applied), then nothing changes", () => {
    const topics = fakeTopics();
    const records = deliveryFailure(ORDER).map((event) => topics.publish(event));
    const state = fold(records);
    expect(applyRecord(state, records[1]!)).toEqual({ sagas: [], deadLetters: [] });
    expect(sagaView(state, ORDER)!.steps).toHaveLength(7);
  });

  test("given an event the relay published twice (at-least-once), then it is one step", () => {
    const topics = fakeTopics();
    const [created, reserved] = deliveryFailure(ORDER);
    const state = fold([topics.publish(created!), topics.publish(reserved!), topics.publish(reserved!)]);
    expect(sagaView(state, ORDER)!.steps.map((s) => s.type)).toEqual(["OrderCreated", "CreditReserved"]);
  });

  test("given a message on a saga topic that is not an event, then it is counted and no saga gets a step", () => {
    const topics = fakeTopics();
    const state = fold([topics.raw("user.events", ORDER, "{not json")]);
    expect(state.invalidMessages).toBe(1);
    expect(state.sagas.size).toBe(0);
  });
});

describe("dead letters", () => {
  test("given a consumer dead-letters an event, then it is listed with its reason, source and attempts, and its saga waits on it", () => {
    const topics = fakeTopics();
    const [created, reserved] = deliveryFailure(ORDER).slice(0, 2).map((event) => topics.publish(event));
    const deadLetter = topics.deadLetter("payment", reserved!, "permission denied for table payments", 5);
    const state = fold([created!, reserved!, deadLetter]);
    expect(deadLetterViews(state)).toEqual([
      expect.objectContaining({
        id: "payment.dead-letter/0@0",
        consumer: "payment",
        reason: "permission denied for table payments",
        source: "user.events/0@0",
        attempts: 5,
        orderId: ORDER,
        eventType: "CreditReserved",
        redrives: [],
      }),
    ]);
    const view = sagaView(state, ORDER)!;
    expect(view).toMatchObject({ status: "PENDING", waitingDeadLetters: 1 });
    expect(view.deadLetters.map((d) => d.id)).toEqual(["payment.dead-letter/0@0"]);
    expect(sagaSummaries(state, { stuck: true }).map((s) => s.orderId)).toEqual([ORDER]);
  });

  test("given its redrive's copy is read, then the dead letter shows where it went and the step how often it was redriven", () => {
    const topics = fakeTopics();
    const [created, reserved] = deliveryFailure(ORDER).slice(0, 2).map((event) => topics.publish(event));
    const deadLetter = topics.deadLetter("payment", reserved!);
    const copy = topics.redriveCopy(deadLetter);
    expect(copy.headers).toMatchObject({ "redrive-count": "1", "redrive-of": "payment.dead-letter/0@0", "event-type": "CreditReserved" });
    expect(Object.keys(copy.headers).filter((name) => name.startsWith("dead-letter-"))).toEqual([]);
    const state = fold([created!, reserved!, deadLetter, copy]);
    expect(deadLetterViews(state)[0]!.redrives).toEqual(["user.events/0@1"]);
    const view = sagaView(state, ORDER)!;
    expect(view.steps.map((s) => [s.type, s.redrives])).toEqual([
      ["OrderCreated", 0],
      ["CreditReserved", 1],
    ]);
    expect(view.waitingDeadLetters).toBe(0);
  });

  test("given the copy is read before the dead letter itself (another topic), then the same", () => {
    const topics = fakeTopics();
    const [created, reserved] = deliveryFailure(ORDER).slice(0, 2).map((event) => topics.publish(event));
    const deadLetter = topics.deadLetter("payment", reserved!);
    const copy = topics.redriveCopy(deadLetter);
    expect(deadLetterViews(fold([created!, reserved!, copy, deadLetter]))).toEqual(deadLetterViews(fold([created!, reserved!, deadLetter, copy])));
  });

  test("given a dead letter whose value is not an event (poison), then it is listed with why, on no saga", () => {
    const topics = fakeTopics();
    const poison = topics.raw("user.events", null, "{not json");
    const state = fold([poison, topics.deadLetter("payment", poison, "value is not valid JSON")]);
    expect(deadLetterViews(state)).toEqual([expect.objectContaining({ eventType: null, orderId: null, invalidReason: expect.stringMatching(/^value is not valid JSON/) })]);
    expect(state.sagas.size).toBe(0);
  });
});

describe("the list of sagas", () => {
  const topics = fakeTopics();
  const state = fold([...deliveryFailure(ORDER), ...paymentFailure(OTHER).slice(0, 2)].map((event) => topics.publish(event)));

  test("shows each saga's transaction mode, told by its own messages", () => {
    expect(sagaSummaries(state).map((s) => s.transaction)).toEqual(["choreography", "choreography"]);
    expect(transactionOf([{ type: "ReserveCredit" }, { type: "ReserveCreditSucceeded" }])).toBe("orchestration");
    // A two-phase commit's phases are HTTP calls: Kafka carries its outcome only.
    expect(transactionOf([{ type: "OrderRejected" }])).toBe("two-phase-commit");
    expect(transactionOf([])).toBe("unknown");
  });

  test("filters by status, transaction mode and part of the order id", () => {
    const orchestrated = "7b50a18f-0000-4000-8000-000000000003";
    for (const event of orchestratedApproval(orchestrated)) applyRecord(state, topics.publish(event));
    expect(sagaSummaries(state, { status: "CANCELLED" }).map((s) => s.orderId)).toEqual([ORDER]);
    expect(sagaSummaries(state, { status: "PENDING" }).map((s) => s.orderId)).toEqual([OTHER]);
    expect(sagaSummaries(state, { transaction: "orchestration" }).map((s) => s.orderId)).toEqual([orchestrated]);
    expect(sagaSummaries(state, { q: "0002" }).map((s) => s.orderId)).toEqual([OTHER]);
    expect(sagaSummaries(state, { limit: 1 })).toHaveLength(1);
  });
});
