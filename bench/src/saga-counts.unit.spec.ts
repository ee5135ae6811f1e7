import { modelsOf } from "./config";
import { checkedAgainstMap, countsByModel } from "./saga-counts";

describe("what each transaction model's order costs, counted from the code", () => {
  test("the choreography: four hops on the happy path, six when delivery fails, each hop a relay publish and a handling", () => {
    const { happy, compensation } = countsByModel.choreography;
    expect(happy).toMatchObject({ kafkaHops: 4, httpRoundTrips: 0, criticalTransactions: 9 });
    expect(compensation).toMatchObject({ kafkaHops: 6, criticalTransactions: 13 });
    // POST, 4 relays, the 4 steps, the order service's 2 timeline steps, the closing event's relay.
    expect(happy.totalTransactions).toBe(12);
  });

  test("the orchestration: a command and a reply per step, so more hops than the choreography", () => {
    const { happy, compensation } = countsByModel.orchestration;
    expect(happy).toMatchObject({ kafkaHops: 6, criticalTransactions: 13, totalTransactions: 14 });
    expect(compensation).toMatchObject({ kafkaHops: 10, criticalTransactions: 21 });
    // Six commands and replies and the closing OrderApproved.
    expect(happy.eventsProduced).toBe(7);
  });

  test("the two-phase commit: no Kafka hop, two HTTP round trips (the phases), a participant's commits made at once counted once", () => {
    const { happy, compensation } = countsByModel["two-phase-commit"];
    expect(happy).toMatchObject({ kafkaHops: 0, httpRoundTrips: 2, criticalTransactions: 7 });
    expect(happy.transactionsByService).toEqual({ order: 6, user: 2, payment: 2, delivery: 2 });
    // The delivery service votes no: its transaction is rolled back, nothing to commit there.
    expect(compensation.transactionsByService.delivery).toBe(0);
  });

  test("a path that does not follow the saga map is refused", () => {
    const path = { model: "orchestration" as const, kind: "happy" as const, description: "", closingEvent: "OrderApproved" as const };
    expect(() => checkedAgainstMap({ ...path, criticalPath: [{ type: "ReserveCredit", next: "payment" }] })).toThrow(/not in the saga map/);
    // An event is not a step of the orchestration, even where it reaches the right service.
    expect(() => checkedAgainstMap({ ...path, criticalPath: [{ type: "OrderCreated", next: "user" }] })).toThrow(/not in the saga map/);
  });
});

describe("BENCH_MODELS", () => {
  test("the choreography comes first, named or not; a model named twice is measured once", () => {
    expect(modelsOf(undefined)).toEqual(["choreography", "orchestration", "two-phase-commit"]);
    expect(modelsOf("two-phase-commit, orchestration,two-phase-commit")).toEqual(["choreography", "two-phase-commit", "orchestration"]);
  });

  test("an unknown model is refused with the names it could have been", () => {
    expect(() => modelsOf("choreography,2pc")).toThrow(/no transaction model is called 2pc \(the models: choreography, orchestration, two-phase-commit\)/);
  });
});
