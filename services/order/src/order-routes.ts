import { randomUUID } from "node:crypto";
import { OrderItem, ShippingAddress } from "@saga-shop/contracts";
import { startsSaga } from "@saga-shop/messaging";
import { bodyErrors, DateTime, errorResponses, HttpError, notFound, Nullable, StringEnum, type ServiceApp } from "@saga-shop/service-kit";
import { Type, type TObject } from "@sinclair/typebox";
import { Prisma, type PrismaClient } from "./generated/prisma/client";
import { OrderStatus } from "./generated/prisma/enums";
import { replayProblem, requestFingerprint } from "./idempotency";
import { orderProblem, orderTotal } from "./order-rules";
import { startSaga } from "./saga-manager";
import { apiNameOf, apiNames, modelNamed, TransactionModel } from "./transaction-models";
import type { OrderSettings } from "./order-settings";
import { twoPhaseCommitCoordinator } from "./two-phase-commit";

type OrderApp = ServiceApp<PrismaClient, Prisma.TransactionClient, OrderSettings>;

const OrderId = Type.Object({ id: Type.String({ format: "uuid" }) });
export const PlaceOrderBody = Type.Object(
  {
    userId: Type.String({ format: "uuid" }),
    items: Type.Array(OrderItem, { minItems: 1, maxItems: 100 }),
    paymentToken: Type.String({ pattern: "^tok_[A-Za-z0-9_]{1,60}$" }),
    shippingAddress: ShippingAddress,
    transaction: Type.Optional(
      Type.Union(
        apiNames.map((name) => Type.Literal(name)),
        { description: "how the order's distributed transaction runs; choreography unless said otherwise" },
      ),
    ),
  },
  { additionalProperties: false },
);
export const PlaceOrderHeaders = Type.Object({
  // The draft makes the key a Structured Field string: printable ASCII.
  "idempotency-key": Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: "^[\\x20-\\x7E]+$" })),
});
export const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(Object.values(OrderStatus).map((s) => Type.Literal(s)))),
    transaction: Type.Optional(Type.Union(apiNames.map((name) => Type.Literal(name)))),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

// What the routes answer. The response serializer writes only what these schemas name, so each
// names every field its route returns; items and shippingAddress are the stored JSON, as accepted.
const Status = StringEnum(Object.values(OrderStatus));
const OrderSummary = Type.Object({
  id: Type.String({ format: "uuid" }),
  userId: Type.String({ format: "uuid" }),
  status: Status,
  totalCents: Type.Integer(),
  transaction: StringEnum(apiNames, { description: "the transaction model that runs its saga" }),
  failureReason: Nullable(Type.String({ description: "why the order was rejected or cancelled" })),
  createdAt: DateTime,
  completedAt: Nullable(DateTime),
});
const storedJson = <T extends TObject>(schema: T) =>
  Type.Unsafe<Prisma.JsonValue>(Type.Object(schema.properties, { additionalProperties: true }));
const OrderDetail = Type.Object({
  ...OrderSummary.properties,
  items: Type.Unsafe<Prisma.JsonValue>(Type.Array(storedJson(OrderItem))),
  shippingAddress: storedJson(ShippingAddress),
  twoPhaseCommit: Nullable(
    Type.Object(
      {
        decision: Nullable(StringEnum(["COMMIT", "ABORT"])),
        reason: Nullable(Type.String()),
        startedAt: DateTime,
        decidedAt: Nullable(DateTime),
        completedAt: Nullable(DateTime),
      },
      { description: "for a two-phase commit: the coordinator's log (how long its locks were held: startedAt to completedAt)" },
    ),
  ),
  history: Type.Array(
    Type.Object({
      type: Type.String({ description: "the event, command or reply, e.g. CreditReserved" }),
      service: Type.String({ description: "the service that emitted it" }),
      occurredAt: DateTime,
      summary: Type.String({ description: "the event in words" }),
    }),
    { description: "the saga's steps, oldest first" },
  ),
});
const placeOrderSchema = {
  summary: "Place an order: starts its saga",
  body: PlaceOrderBody,
  headers: PlaceOrderHeaders,
  response: {
    201: Type.Object(
      { id: Type.String({ format: "uuid" }), status: Status, totalCents: Type.Integer() },
      { description: "a two-phase commit that ended: APPROVED, or REJECTED (GET /orders/{id} says why)" },
    ),
    202: Type.Object(
      { id: Type.String({ format: "uuid" }), status: Status, totalCents: Type.Integer() },
      { description: "accepted (or, for a retried Idempotency-Key, the order it created); follow it at GET /orders/{id}" },
    ),
    ...errorResponses({ ...bodyErrors, 422: "valid, but the order total is zero or over the limit, an Idempotency-Key reused with another request, or a two-phase commit asked of a service without TWO_PHASE_COMMIT_TOKEN" }),
  },
};
const getOrderSchema = {
  summary: "An order, its state and its saga's history",
  params: OrderId,
  response: {
    200: Type.Object(OrderDetail.properties, { description: "the order" }),
    ...errorResponses({ 400: "the id is not a uuid", 404: "no order has this id" }),
  },
};
const listOrdersSchema = {
  summary: "Orders, newest first",
  querystring: ListQuery,
  response: {
    200: Type.Object(
      { items: Type.Array(OrderSummary), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() },
      { description: "one page of orders, and how many match in all" },
    ),
    ...errorResponses({ 400: "a query parameter is not valid" }),
  },
};

type Order = Prisma.OrderGetPayload<object>;
const summary = (order: Order) => ({
  id: order.id,
  userId: order.userId,
  status: order.status,
  totalCents: order.totalCents,
  transaction: apiNameOf(order.transaction),
  failureReason: order.failureReason,
  createdAt: order.createdAt,
  completedAt: order.completedAt,
});

export function orderRoutes(app: OrderApp): void {
  const { db } = app;
  const coordinator = twoPhaseCommitCoordinator(app);
  const existingFor = (idempotencyKey: string | undefined) =>
    idempotencyKey ? db.order.findUnique({ where: { idempotencyKey } }) : Promise.resolve(null);

  app.post("/orders", { schema: placeOrderSchema }, async (request, reply) => {
    const idempotencyKey = request.headers["idempotency-key"];
    // A two-phase commit answers once it knows the outcome: 201 with it; a saga answers at once.
    const accepted = (order: Order, replayed: boolean) =>
      reply
        .status(order.transaction === TransactionModel.TWO_PHASE_COMMIT && order.status !== "PENDING" ? 201 : 202)
        .header("idempotent-replayed", String(replayed))
        .send({ id: order.id, status: order.status, totalCents: order.totalCents });

    const transaction = request.body.transaction ?? apiNameOf(TransactionModel.CHOREOGRAPHY);
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
    const saga = startsSaga(id);
    const model = modelNamed(transaction);
    if (model === TransactionModel.TWO_PHASE_COMMIT && !coordinator.enabled) {
      throw new HttpError(422, "the two-phase commit is not configured on this order service (TWO_PHASE_COMMIT_TOKEN)");
    }
    try {
      // The order and what starts its saga commit together, or neither does: in the choreography
      // the event everyone reacts to, in the orchestration the manager's saga and first command.
      const order = await app.inTransaction(async (tx, emit) => {
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
            correlationId: saga.correlationId,
            transaction: model,
          },
        });
        if (model === TransactionModel.ORCHESTRATION) {
          const first = startSaga({ userId, totalCents, paymentToken, shippingAddress });
          await tx.sagaInstance.create({ data: { orderId: id, state: first.state } });
          await emit([first.command!], saga);
        } else if (model === TransactionModel.TWO_PHASE_COMMIT) {
          // Logged before anything is prepared: a coordinator that dies from here on is recovered.
          await coordinator.begin(tx, id);
        } else {
          await emit([{ type: "OrderCreated", payload: { userId, totalCents, items, paymentToken, shippingAddress } }], saga);
        }
        return order;
      });
      // The client waits for the two-phase commit, all four databases, to end.
      return accepted(model === TransactionModel.TWO_PHASE_COMMIT ? await coordinator.run(order) : order, false);
    } catch (error) {
      coordinator.forget(id);
      // Two requests with one key raced: the unique key made the loser wait for the winner's
      // commit, so no second order exists; the loser answers as a later retry would.
      const isKeyClash = error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
      const winner = isKeyClash ? await existingFor(idempotencyKey) : null;
      if (winner) return replay(winner);
      throw error;
    }
  });

  app.get("/orders/:id", { schema: getOrderSchema }, async (request) => {
    const order = await db.order.findUnique({
      where: { id: request.params.id },
      include: { history: { orderBy: [{ occurredAt: "asc" }, { eventId: "asc" }] }, twoPhaseCommit: true },
    });
    if (!order) throw notFound(`order ${request.params.id}`);
    return {
      ...summary(order),
      items: order.items,
      shippingAddress: order.shippingAddress,
      twoPhaseCommit: order.twoPhaseCommit ? {
        decision: order.twoPhaseCommit.decision,
        reason: order.twoPhaseCommit.reason,
        startedAt: order.twoPhaseCommit.startedAt,
        decidedAt: order.twoPhaseCommit.decidedAt,
        completedAt: order.twoPhaseCommit.completedAt,
      } : null,
      history: order.history.map((step) => ({
        type: step.type,
        service: step.service,
        occurredAt: step.occurredAt,
        summary: step.summary,
      })),
    };
  });

  app.get("/orders", { schema: listOrdersSchema }, async (request) => {
    const { status, transaction, limit, offset } = request.query;
    const where = { ...(status && { status }), ...(transaction && { transaction: modelNamed(transaction) }) };
    const [orders, total] = await Promise.all([
      db.order.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "asc" }], take: limit, skip: offset }),
      db.order.count({ where }),
    ]);
    return { items: orders.map(summary), total, limit, offset };
  });
}
