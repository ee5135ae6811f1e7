import { deadLetterTopicOf, type ServiceName } from "@saga-shop/contracts";
import { deliveryFailure, fakeTopics, paymentFailure } from "../test/records";
import { redriveDecision, waitingDeadLetters, type RedriveFacts } from "./redrive-rule";
import { applyRecord, createState, type KafkaRecord } from "./state";
import { deadLetterTopics } from "./topics";

// The order service follows user.events and acts on both CreditReserved and CreditReleased of a
// declined card's saga: two events of one order, one partition, one consumer.
const ORDER = "7b50a18f-0000-4000-8000-000000000001";
const OTHER = "7b50a18f-0000-4000-8000-000000000002";

function world() {
  const topics = fakeTopics();
  const records: KafkaRecord[] = [];
  const state = createState(deadLetterTopics);
  const add = (record: KafkaRecord) => {
    records.push(record);
    applyRecord(state, record);
    return record;
  };
  /** What Kafka says at decision time: `consumer` has handled `topic/0` up to `committed`. */
  const facts = (consumer: ServiceName, committed: number, sent: string[] = []): RedriveFacts => ({
    committedOffset: committed,
    deadLetterEnds: new Map([[0, topics.end(deadLetterTopicOf(consumer))]]),
    sent: new Set(sent),
  });
  return { topics, state, add, facts };
}

/** A declined card's saga up to `count` events, published. */
function declinedSaga(w: ReturnType<typeof world>, orderId = ORDER, count = 5) {
  const [created, reserved, failed, released, cancelled] = paymentFailure(orderId).slice(0, count).map((event) => event && w.add(w.topics.publish(event)));
  return { created, reserved: reserved!, failed, released, cancelled };
}

describe("a redrive is allowed", () => {
  test("given the consumer has applied nothing of the order after the dead-lettered event, then it may be redriven", () => {
    const w = world();
    const { reserved } = declinedSaga(w, ORDER, 2);
    const deadLetter = w.add(w.topics.deadLetter("order", reserved));
    expect(redriveDecision(w.state, "order.dead-letter/0@0", w.facts("order", 1))).toEqual({ redrive: true, note: null });
    expect(deadLetter.offset).toBe(0);
  });

  test("given later events of OTHER orders on the same partition applied, then it may still be redriven (order is per order)", () => {
    const w = world();
    const { reserved } = declinedSaga(w, ORDER, 2);
    w.add(w.topics.deadLetter("order", reserved));
    declinedSaga(w, OTHER, 5);
    expect(redriveDecision(w.state, "order.dead-letter/0@0", w.facts("order", w.topics.end("user.events")))).toEqual({ redrive: true, note: null });
  });

  test("given a later event of the order that the consumer does not act on, then it does not count", () => {
    // payment acts on CreditReserved, not on CreditReleased, both on user.events.
    const w = world();
    const { reserved, released } = declinedSaga(w, ORDER, 4);
    w.add(w.topics.deadLetter("payment", reserved));
    expect(released!.topic).toBe("user.events");
    expect(redriveDecision(w.state, "payment.dead-letter/0@0", w.facts("payment", w.topics.end("user.events")))).toEqual({ redrive: true, note: null });
  });

  test("given the consumer has already applied a copy of the event (an earlier redrive), then it may be redriven again: a harmless duplicate, said so", () => {
    const w = world();
    const { reserved } = declinedSaga(w, ORDER, 2);
    const deadLetter = w.add(w.topics.deadLetter("payment", reserved));
    w.add(w.topics.redriveCopy(deadLetter));
    const decision = redriveDecision(w.state, "payment.dead-letter/0@0", w.facts("payment", w.topics.end("user.events")));
    expect(decision).toEqual({ redrive: true, note: expect.stringMatching(/^payment has already applied CreditReserved \(user\.events\/0@1\): it will recognise the copy as a duplicate/) });
  });

  test("given the earlier event's redrive was just sent (not read back yet), then the later one may follow it", () => {
    const w = world();
    const { reserved, released } = declinedSaga(w, ORDER, 4);
    w.add(w.topics.deadLetter("order", reserved));
    w.add(w.topics.deadLetter("order", released!));
    const committed = w.topics.end("user.events");
    expect(redriveDecision(w.state, "order.dead-letter/0@1", w.facts("order", committed, ["order.dead-letter/0@0"]))).toEqual({ redrive: true, note: null });
  });
});

describe("a redrive that would apply an event out of order is refused, with the reason", () => {
  test("given the consumer has already applied a later event of the same order on the same partition, then refused, naming it", () => {
    const w = world();
    const { reserved } = declinedSaga(w, ORDER, 4);
    w.add(w.topics.deadLetter("order", reserved));
    // CreditReleased (user.events/0@1) handled after the dead letter, not dead-lettered: applied.
    const decision = redriveDecision(w.state, "order.dead-letter/0@0", w.facts("order", w.topics.end("user.events")));
    expect(decision).toEqual({
      redrive: false,
      retry: false,
      reason: `order has already applied CreditReleased of order ${ORDER} (user.events/0@1), which came after CreditReserved on user.events/0: redriving CreditReserved now would apply it out of order`,
    });
  });

  test("given an earlier event of the same order still waits as a dead letter, then refused: redrive that one first", () => {
    const w = world();
    const { reserved, released } = declinedSaga(w, ORDER, 4);
    w.add(w.topics.deadLetter("order", reserved));
    w.add(w.topics.deadLetter("order", released!));
    const committed = w.topics.end("user.events");
    expect(redriveDecision(w.state, "order.dead-letter/0@1", w.facts("order", committed))).toEqual({
      redrive: false,
      retry: false,
      reason: `CreditReserved of order ${ORDER} came before CreditReleased on user.events/0 and order has not applied it: redrive order.dead-letter/0@0 first`,
    });
    // The earlier one may go: the later one was dead-lettered too, so it has not been applied.
    expect(redriveDecision(w.state, "order.dead-letter/0@0", w.facts("order", committed))).toEqual({ redrive: true, note: null });
  });

  test("given the earlier event's copy was dead-lettered again, then it still waits, under its new dead letter", () => {
    const w = world();
    const { reserved, released } = declinedSaga(w, ORDER, 4);
    const first = w.add(w.topics.deadLetter("order", reserved));
    w.add(w.topics.deadLetter("order", released!));
    const again = w.add(w.topics.deadLetter("order", w.add(w.topics.redriveCopy(first))));
    const decision = redriveDecision(w.state, "order.dead-letter/0@1", w.facts("order", w.topics.end("user.events")));
    expect(decision).toMatchObject({ redrive: false, reason: expect.stringMatching(new RegExp(`redrive order\\.dead-letter/0@${again.offset} first$`)) });
  });

  test("given a later event of the order is still ahead of the consumer, then refused: the copy would land after it", () => {
    const w = world();
    const { reserved } = declinedSaga(w, ORDER, 4);
    w.add(w.topics.deadLetter("order", reserved));
    // committed 1: the consumer is past CreditReserved (@0), not yet at CreditReleased (@1).
    expect(redriveDecision(w.state, "order.dead-letter/0@0", w.facts("order", 1))).toMatchObject({
      redrive: false,
      retry: false,
      reason: `CreditReleased of order ${ORDER}, which came after CreditReserved on user.events/0, is still ahead of order: the copy would be applied after it, out of order`,
    });
  });

  test("given a redrive copy of a later event was applied, then the earlier one is refused", () => {
    const w = world();
    const { reserved, released } = declinedSaga(w, ORDER, 4);
    w.add(w.topics.deadLetter("order", reserved));
    const later = w.add(w.topics.deadLetter("order", released!));
    w.add(w.topics.redriveCopy(later));
    expect(redriveDecision(w.state, "order.dead-letter/0@0", w.facts("order", w.topics.end("user.events")))).toMatchObject({
      redrive: false,
      reason: expect.stringMatching(/^order has already applied CreditReleased of order .* \(user\.events\/0@2\)/),
    });
  });
});

describe("what the rule cannot decide yet, or ever", () => {
  test("given the viewer has not read the source partition as far as the consumer has handled it, then refused for now (retry)", () => {
    const w = world();
    const { reserved } = declinedSaga(w, ORDER, 2);
    w.add(w.topics.deadLetter("order", reserved));
    expect(redriveDecision(w.state, "order.dead-letter/0@0", w.facts("order", 5))).toMatchObject({ redrive: false, retry: true, reason: expect.stringMatching(/^the viewer has read user\.events\/0 up to offset 1, and order has handled it up to 5/) });
  });

  test("given the viewer has not read the consumer's dead-letter topic to its end, then refused for now (retry)", () => {
    const w = world();
    const { reserved } = declinedSaga(w, ORDER, 2);
    w.add(w.topics.deadLetter("order", reserved));
    const facts = { ...w.facts("order", 2), deadLetterEnds: new Map([[0, 3]]) };
    expect(redriveDecision(w.state, "order.dead-letter/0@0", facts)).toMatchObject({ redrive: false, retry: true });
  });

  test("given the consumer has not committed past the dead-lettered message yet, then refused for now (retry)", () => {
    const w = world();
    const { reserved } = declinedSaga(w, ORDER, 2);
    w.add(w.topics.deadLetter("order", reserved));
    expect(redriveDecision(w.state, "order.dead-letter/0@0", w.facts("order", 0))).toMatchObject({ redrive: false, retry: true });
  });

  test("given a dead letter that is not an event, then refused: it would only be dead-lettered again", () => {
    const w = world();
    const poison = w.add(w.topics.raw("user.events", null, "{not json"));
    w.add(w.topics.deadLetter("payment", poison, "value is not valid JSON"));
    expect(redriveDecision(w.state, "payment.dead-letter/0@0", w.facts("payment", 1))).toMatchObject({
      redrive: false,
      retry: false,
      reason: expect.stringMatching(/^its value is not a valid event \(value is not valid JSON.*\): a redrive would only dead-letter it again$/),
    });
  });

  test("given an id that is no dead letter, then refused", () => {
    expect(redriveDecision(world().state, "payment.dead-letter/0@9", { committedOffset: 0, deadLetterEnds: new Map(), sent: new Set() })).toMatchObject({ redrive: false });
  });
});

test("--all takes the waiting dead letters in the order their events first appeared on each partition", () => {
  const w = world();
  const { reserved, released } = declinedSaga(w, ORDER, 4);
  const first = w.add(w.topics.deadLetter("order", reserved));
  const second = w.add(w.topics.deadLetter("order", released!));
  // CreditReserved redriven and dead-lettered again: its new dead letter still goes before CreditReleased's.
  const again = w.add(w.topics.deadLetter("order", w.add(w.topics.redriveCopy(first))));
  const aq = deliveryFailure(OTHER).map((event) => w.add(w.topics.publish(event, 3)));
  const refund = w.add(w.topics.deadLetter("user", aq[4]!));
  // By source topic (payment.events before user.events), partition, then first appearance.
  expect(refund.headers["dead-letter-source"]).toBe("payment.events/3@1");
  expect(waitingDeadLetters(w.state, new Set()).map((d) => d.id)).toEqual(["user.dead-letter/0@0", `order.dead-letter/0@${again.offset}`, `order.dead-letter/0@${second.offset}`]);
  expect(waitingDeadLetters(w.state, new Set([`order.dead-letter/0@${again.offset}`])).map((d) => d.id)).not.toContain(`order.dead-letter/0@${again.offset}`);
});
