import type { HandlersOf } from "@saga-shop/messaging";
import { releaseCredit, reservationOf, reserveCredit } from "./credit-steps";
import type { Prisma } from "./generated/prisma/client";

type Tx = Prisma.TransactionClient;

/**
 * The orchestration: the saga manager's commands to the user service, each mapped to the same
 * local step, answered with a reply. A redelivered command is recognised by its id (the
 * idempotent consumer) and changes nothing; a command sent again for a step already done (a new
 * message) does nothing either and gets the reply the first one got.
 */
export const creditCommandHandlers = (): HandlersOf<"user", Tx, "command"> => ({
  async ReserveCredit(command, tx) {
    const { userId, amountCents } = command.payload;
    const done = await reservationOf(tx, command.orderId);
    if (done) return [{ type: "ReserveCreditSucceeded", payload: { userId: done.userId, amountCents: done.amountCents } }];
    const decision = await reserveCredit(tx, { orderId: command.orderId, userId, amountCents });
    return decision.reserved
      ? [{ type: "ReserveCreditSucceeded", payload: { userId, amountCents } }]
      : [{ type: "ReserveCreditFailed", payload: { userId, reason: decision.reason } }];
  },
  async ReleaseCredit(command, tx) {
    const done = await reservationOf(tx, command.orderId);
    if (done?.status === "RELEASED") {
      return [{ type: "ReleaseCreditSucceeded", payload: { userId: done.userId, amountCents: done.amountCents, reason: done.reason ?? command.payload.reason } }];
    }
    const { reason } = command.payload;
    return [{ type: "ReleaseCreditSucceeded", payload: { ...(await releaseCredit(tx, command.orderId, reason)), reason } }];
  },
});
