// The README's "Demo triggers", one order each: a visitor presses a button and watches that
// outcome happen. e2e/viewer-demo.unit.spec.ts keeps this list and the README's table equal.
import { randomUUID } from "node:crypto";

export const demoUsers = {
  ada: "00000000-0000-4000-8000-000000000001",
  lin: "00000000-0000-4000-8000-000000000002",
  sam: "00000000-0000-4000-8000-000000000003",
} as const;

export interface DemoTrigger {
  id: string;
  /** The README row's "to see" cell, word for word. */
  toSee: string;
  /** The button's label. */
  label: string;
  order(): { userId: string; items: { sku: string; quantity: number; unitPriceCents: number }[]; paymentToken: string; shippingAddress: { line1: string; city: string; postalCode: string; country: string } };
}

const order = (userId: string, { paymentToken = "tok_visa", country = "KR", unitPriceCents = 1250 } = {}) => ({
  userId,
  items: [{ sku: "book", quantity: 2, unitPriceCents }],
  paymentToken,
  shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country },
});

export const demoTriggers: DemoTrigger[] = [
  { id: "approved", toSee: "`APPROVED`", label: "Approved", order: () => order(demoUsers.ada) },
  { id: "not-enough-credit", toSee: "`REJECTED`: not enough credit", label: "Rejected: not enough credit", order: () => order(demoUsers.lin) },
  { id: "suspended", toSee: "`REJECTED`: user is suspended", label: "Rejected: user suspended", order: () => order(demoUsers.sam) },
  { id: "unknown-user", toSee: "`REJECTED`: unknown user", label: "Rejected: unknown user", order: () => order(randomUUID()) },
  {
    id: "payment-declined",
    toSee: "`CANCELLED` after payment failure; credit released",
    label: "Cancelled: card declined",
    order: () => order(demoUsers.ada, { paymentToken: "tok_chargeDeclined" }),
  },
  {
    id: "delivery-failed",
    toSee: "`CANCELLED` after delivery failure; payment refunded, credit released",
    label: "Cancelled: no delivery to AQ",
    order: () => order(demoUsers.ada, { country: "AQ" }),
  },
];
