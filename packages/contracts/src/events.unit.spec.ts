// The contract's own consistency: every event type belongs to a real service, and topic names
// follow one pattern per producing service.
import { eventCatalogue, eventTypes } from "./events";
import { serviceNames } from "./services";
import { deadLetterTopicOf, topicOf } from "./topics";
import { isEventType } from "./validate";

describe("event catalogue", () => {
  test.each(Object.entries(eventCatalogue).map(([type, spec]) => [type, spec.producer] as const))(
    "given %s, its producer %s is one of the services",
    (_type, producer) => {
      expect(serviceNames).toContain(producer);
    },
  );

  test("every service produces at least one event type", () => {
    const producers = new Set(Object.values(eventCatalogue).map((spec) => spec.producer));
    expect([...producers].sort()).toEqual([...serviceNames].sort());
  });

  test("eventTypes lists exactly the catalogue's types", () => {
    expect([...eventTypes].sort()).toEqual(Object.keys(eventCatalogue).sort());
  });

  test("each service owns the events named after its step of the saga", () => {
    expect(eventCatalogue.OrderCreated.producer).toBe("order");
    expect(eventCatalogue.CreditReserved.producer).toBe("user");
    expect(eventCatalogue.CreditReleased.producer).toBe("user");
    expect(eventCatalogue.PaymentCompleted.producer).toBe("payment");
    expect(eventCatalogue.PaymentRefunded.producer).toBe("payment");
    expect(eventCatalogue.DeliveryScheduled.producer).toBe("delivery");
  });

  test("isEventType knows the catalogue's types and nothing else, not even inherited names", () => {
    for (const type of eventTypes) expect(isEventType(type)).toBe(true);
    expect(isEventType("OrderShipped")).toBe(false);
    expect(isEventType("constructor")).toBe(false);
    expect(isEventType("hasOwnProperty")).toBe(false);
  });
});

describe("topics", () => {
  test.each([
    ["order", "order.events", "order.dead-letter"],
    ["user", "user.events", "user.dead-letter"],
    ["payment", "payment.events", "payment.dead-letter"],
    ["delivery", "delivery.events", "delivery.dead-letter"],
  ] as const)("given the %s service, it publishes to %s and dead-letters to %s", (service, events, deadLetter) => {
    expect(topicOf(service)).toBe(events);
    expect(deadLetterTopicOf(service)).toBe(deadLetter);
  });

  test("no two services share a topic, and no event topic is a dead-letter topic", () => {
    const names = serviceNames.flatMap((s) => [topicOf(s), deadLetterTopicOf(s)]);
    expect(new Set(names).size).toBe(names.length);
  });
});
