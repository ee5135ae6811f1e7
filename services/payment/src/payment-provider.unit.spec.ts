// The stand-in card processor: the token chooses the outcome, like a real processor's test cards.
import { chargeCard } from "./payment-provider";

describe("chargeCard", () => {
  test("given the tok_visa test card, when charged, then the payment is captured", () => {
    expect(chargeCard("tok_visa")).toEqual({ captured: true });
  });

  test("given the tok_mastercard test card, when charged, then the payment is captured", () => {
    expect(chargeCard("tok_mastercard")).toEqual({ captured: true });
  });

  test("given tok_chargeDeclined, when charged, then it is declined as card declined", () => {
    expect(chargeCard("tok_chargeDeclined")).toEqual({ captured: false, reason: "card declined" });
  });

  test("given tok_insufficientFunds, when charged, then it is declined for insufficient funds", () => {
    expect(chargeCard("tok_insufficientFunds")).toEqual({ captured: false, reason: "insufficient funds" });
  });

  test("given a token the processor does not know, when charged, then it is declined naming the token", () => {
    expect(chargeCard("tok_amex")).toEqual({ captured: false, reason: "unknown payment token tok_amex" });
  });

  // Token names that are also Object.prototype properties must not find an inherited "reason".
  test.each(["toString", "constructor", "__proto__", "hasOwnProperty"])(
    "given the token %s, which is only an Object.prototype property name, when charged, then it is declined as unknown",
    (token) => {
      expect(chargeCard(token)).toEqual({ captured: false, reason: `unknown payment token ${token}` });
    },
  );

  test("given any decline, the reason is a non-empty string (what PaymentFailed's schema requires)", () => {
    for (const token of ["tok_chargeDeclined", "tok_insufficientFunds", "tok_unknown", ""]) {
      const result = chargeCard(token);
      expect(result.captured).toBe(false);
      if (!result.captured) expect(typeof result.reason === "string" && result.reason.length > 0).toBe(true);
    }
  });
});
