export type UserStatus = "ACTIVE" | "SUSPENDED";
export interface CreditAccount {
  status: UserStatus;
  creditLimitCents: number;
  reservedCents: number;
}

export const availableCents = (account: CreditAccount): number => account.creditLimitCents - account.reservedCents;

export type ReservationDecision = { reserved: true } | { reserved: false; reason: string };

const money = (cents: number) => (cents / 100).toFixed(2);

/** Whether an order's amount can be held against the user's credit. */
export function decideReservation(account: CreditAccount | null, amountCents: number): ReservationDecision {
  if (!account) return { reserved: false, reason: "unknown user" };
  if (account.status === "SUSPENDED") return { reserved: false, reason: "user is suspended" };
  const available = availableCents(account);
  if (amountCents > available) {
    return { reserved: false, reason: `not enough credit: ${money(available)} available, ${money(amountCents)} needed` };
  }
  return { reserved: true };
}
