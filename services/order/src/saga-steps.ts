import { describeEvent, type SagaEvent } from "@saga-shop/contracts";
import type { Prisma } from "./generated/prisma/client";

/** Appends events to the order's timeline (idempotent: an event is one step, however often seen). */
export async function recordSteps(tx: Prisma.TransactionClient, events: SagaEvent[]): Promise<void> {
  await tx.sagaStep.createMany({
    skipDuplicates: true,
    data: events.map((event) => ({
      eventId: event.id,
      orderId: event.orderId,
      type: event.type,
      service: event.producer,
      occurredAt: new Date(event.occurredAt),
      summary: describeEvent(event),
    })),
  });
}
