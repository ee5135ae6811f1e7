import { decide, type Ballot } from "./two-phase-rules";

const yes = (participant: Ballot["participant"]): Ballot => ({ participant, vote: "yes" });

describe("decide: the two-phase commit's rule", () => {
  test("given every participant voted yes, then the decision is commit", () => {
    expect(decide([yes("user"), yes("payment"), yes("delivery")])).toEqual({ decision: "COMMIT" });
  });

  test.each([
    ["user", "not enough credit: 10.00 available, 25.00 needed", "not enough credit: 10.00 available, 25.00 needed"],
    ["payment", "card declined", "payment failed: card declined"],
    ["delivery", "address not serviceable: we do not deliver to AQ", "delivery failed: address not serviceable: we do not deliver to AQ"],
  ] as const)("given the %s service voted no, then abort with the reason the sagas give for that step", (participant, reason, expected) => {
    const ballots = [yes("user"), yes("payment"), yes("delivery")].map((b) => (b.participant === participant ? { participant, vote: "no" as const, reason } : b));
    expect(decide(ballots)).toEqual({ decision: "ABORT", reason: expected });
  });

  test("given several votes of no, then the reason is the first step's, in the saga's order", () => {
    const ballots: Ballot[] = [
      { participant: "delivery", vote: "no", reason: "address not serviceable: we do not deliver to AQ" },
      { participant: "payment", vote: "no", reason: "card declined" },
      { participant: "user", vote: "yes" },
    ];
    expect(decide(ballots)).toEqual({ decision: "ABORT", reason: "payment failed: card declined" });
  });

  test("given a participant that did not answer, then abort: no answer is no vote", () => {
    expect(decide([yes("user"), { participant: "payment", vote: "no answer", reason: "connect ECONNREFUSED" }, yes("delivery")])).toEqual({
      decision: "ABORT",
      reason: "the payment service did not answer the prepare: connect ECONNREFUSED",
    });
  });

  test("given a vote missing, then abort", () => {
    expect(decide([yes("user"), yes("payment")])).toEqual({ decision: "ABORT", reason: "no vote from the delivery service" });
  });
});
