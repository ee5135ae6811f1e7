import { randomUUID } from "node:crypto";
import { describeEvent, OrderItem, ShippingAddress } from "@saga-shop/contracts";
import { addToOutbox, toEnvelope } from "@saga-shop/messaging";
import { HttpError, notFound, type HttpApp, type ServiceContext } from "@saga-shop/service-kit";
import { Type } from "@sinclair/typebox";
import { Prisma, type PrismaClient } from "./generated/prisma/client";
import { replayProblem, requestFingerprint } from "./idempotency";
import { orderProblem, orderTotal } from "./order-rules";
import { recordSteps } from "./saga-steps";

const OrderId = Type.Object({ id: Type.String({ format: "uuid" }) });
const PlaceOrderBody = Type.Object(
  {
    userId: Type.String({ format: "uuid" }),
    items: Type.Array(OrderItem, { minItems: 1, maxItems: 100 }),
    paymentToken: Type.String({ pattern: "^tok_[A-Za-z0-9_]{1,60}$" }),
    shippingAddress: ShippingAddress,
  },
  { additionalProperties: false },
);
const PlaceOrderHeaders = Type.Object({
  // The draft makes the key a Structured Field string: printable ASCII.
  "idempotency-key": Type.Optional(Type.String({ pattern: "^[\\x20-\\x7E]{1,200}$" })),
});
const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(["PENDING", "APPROVED", "REJECTED", "CANCELLED"].map((s) => Type.Literal(s)))),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

type Order = Prisma.OrderGetPayload<object>;
const summary = (order: Order) => ({
  id: order.id,
  userId: order.userId,
  status: order.status,
  totalCents: order.totalCents,
  failureReason: order.failureReason,
  createdAt: order.createdAt,
  completedAt: order.completedAt,
});

export function orderRoutes(app: HttpApp, { db, logger }: ServiceContext<PrismaClient>): void {
  const existingFor = (idempotencyKey: string | undefined) =>
    idempotencyKey ? db.order.findUnique({ where: { idempotencyKey } }) : Promise.resolve(null);

  app.post("/orders", { schema: { body: PlaceOrderBody, headers: PlaceOrderHeaders } }, async (request, reply) => {
    const idempotencyKey = request.headers["idempotency-key"];
    const accepted = (order: Order, replayed: boolean) =>
      reply
        .status(202)
        .header("idempotent-replayed", String(replayed))
        .send({ id: order.id, status: order.status, totalCents: order.totalCents });

    const fingerprint = idempotencyKey ? requestFingerprint("POST", "/orders", request.body) : null;
    // A key seen before: the same request gets the same order; a different one is refused.
    const replay = (order: Order) => {
      const problem = replayProblem(idempotencyKey!, order.idempotencyFingerprint, fingerprint!);
      if (problem) throw new HttpError(422, problem);
      return accepted(order, true);
    };
    const previous = await existingFor(idempotencyKey);
    if (previous) return replay(previous);

    const { userId, items, paymentToken, shippingAddress } = request.body;
    const problem = orderProblem(items);
    if (problem) throw new HttpError(422, problem);
    const id = randomUUID();
    const totalCents = orderTotal(items);
    const created = toEnvelope(
      { type: "OrderCreated", payload: { userId, totalCents, items, paymentToken, shippingAddress } },
      "order",
      { orderId: id, correlationId: randomUUID(), causationId: null },
    );
    try {
      // The order and the event that starts its saga commit together, or neither does.
      const order = await db.$transaction(async (tx) => {
        const order = await tx.order.create({
          data: {
            id,
            userId,
            totalCents,
            items,
            paymentToken,
            shippingAddress,
            idempotencyKey,
            idempotencyFingerprint: fingerprint,
            correlationId: created.correlationId,
          },
        });
        await addToOutbox(tx, [created]);
        await recordSteps(tx, [created]);
        return order;
      });
      logger.info({ orderId: id, correlationId: created.correlationId }, describeEvent(created));
      return accepted(order, false);
    } catch (error) {
      // Two requests with one key raced: the unique key made the loser wait for the winner's
      // commit, so no second order exists; the loser answers as a later retry would.
      const isKeyClash = error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
      const winner = isKeyClash ? await existingFor(idempotencyKey) : null;
      if (winner) return replay(winner);
      throw error;
    }
  });

  app.get("/orders/:id", { schema: { params: OrderId } }, async (request) => {
    const order = await db.order.findUnique({
      where: { id: request.params.id },
      include: { history: { orderBy: [{ occurredAt: "asc" }, { eventId: "asc" }] } },
    });
    if (!order) throw notFound(`order ${request.params.id}`);
    return {
      ...summary(order),
      items: order.items,
      shippingAddress: order.shippingAddress,
      history: order.history.map((step) => ({
        type: step.type,
        service: step.service,
        occurredAt: step.occurredAt,
        summary: step.summary,
      })),
    };
  });

  app.get("/orders", { schema: { querystring: ListQuery } }, async (request) => {
    const { status, limit, offset } = request.query;
    const where = status ? { status: status as Order["status"] } : {};
    const [orders, total] = await Promise.all([
      db.order.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "asc" }], take: limit, skip: offset }),
      db.order.count({ where }),
    ]);
    return { items: orders.map(summary), total, limit, offset };
  });
}
