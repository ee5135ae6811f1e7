/**
 * A stand-in for a card processor, deterministic so demos and tests can choose the outcome,
 * with tokens named like a real processor's test cards.
 */
export type ChargeResult = { captured: true } | { captured: false; reason: string };

const declines: Record<string, string> = {
  tok_chargeDeclined: "card declined",
  tok_insufficientFunds: "insufficient funds",
};

export function chargeCard(token: string): ChargeResult {
  if (token === "tok_visa" || token === "tok_mastercard") return { captured: true };
  return { captured: false, reason: Object.hasOwn(declines, token) ? declines[token]! : `unknown payment token ${token}` };
}
