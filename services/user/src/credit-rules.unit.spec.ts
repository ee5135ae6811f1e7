// The user service's step: hold the order's amount against the user's credit, or say why not.
import { availableCents, decideReservation, type CreditAccount } from "./credit-rules";

const active = (creditLimitCents: number, reservedCents: number): CreditAccount => ({ status: "ACTIVE", creditLimitCents, reservedCents });

describe("availableCents", () => {
  test("given a limit and some credit already held, then what is available is the difference", () => {
    expect(availableCents(active(100_000, 25_050))).toBe(74_950);
  });

  test("given nothing held, then the whole limit is available", () => {
    expect(availableCents(active(5_000, 0))).toBe(5_000);
  });
});

describe("decideReservation", () => {
  test("given an order for a user the service does not know, then credit is refused as unknown user", () => {
    expect(decideReservation(null, 1_000)).toEqual({ reserved: false, reason: "unknown user" });
  });

  test("given a suspended user with plenty of credit, then credit is refused because the user is suspended", () => {
    expect(decideReservation({ status: "SUSPENDED", creditLimitCents: 1_000_000, reservedCents: 0 }, 100)).toEqual({
      reserved: false,
      reason: "user is suspended",
    });
  });

  test("given an order for more than is available, then credit is refused showing what is available and what is needed", () => {
    expect(decideReservation(active(10_000, 2_500), 7_501)).toEqual({
      reserved: false,
      reason: "not enough credit: 75.00 available, 75.01 needed",
    });
  });

  test("given an order for exactly what is available, then the credit is reserved", () => {
    expect(decideReservation(active(10_000, 2_500), 7_500)).toEqual({ reserved: true });
  });

  test("given an order for less than is available, then the credit is reserved", () => {
    expect(decideReservation(active(10_000, 0), 1)).toEqual({ reserved: true });
  });

  test("given a user whose whole limit is already held, then even one cent is refused", () => {
    expect(decideReservation(active(5_000, 5_000), 1)).toEqual({ reserved: false, reason: "not enough credit: 0.00 available, 0.01 needed" });
  });
});
