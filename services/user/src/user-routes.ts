import { randomUUID } from "node:crypto";
import { bodyErrors, errorResponses, notFound, StringEnum, type ServiceApp } from "@saga-shop/service-kit";
import { Type } from "@sinclair/typebox";
import type { Prisma, PrismaClient, User } from "./generated/prisma/client";
import { availableCents } from "./credit-rules";

const UserId = Type.Object({ id: Type.String({ format: "uuid" }) });
export const CreateUserBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    creditLimitCents: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    status: Type.Optional(Type.Union([Type.Literal("ACTIVE"), Type.Literal("SUSPENDED")])),
  },
  { additionalProperties: false },
);

// What the routes answer: the serializer writes only what this names, so it names every field.
const UserView = Type.Object({
  id: Type.String({ format: "uuid" }),
  name: Type.String(),
  status: StringEnum(["ACTIVE", "SUSPENDED"]),
  creditLimitCents: Type.Integer(),
  reservedCents: Type.Integer({ description: "credit held by orders in flight and spent by approved ones" }),
  availableCents: Type.Integer({ description: "creditLimitCents - reservedCents" }),
});
const createUserSchema = {
  summary: "Create a user with a credit limit",
  body: CreateUserBody,
  response: { 201: Type.Object(UserView.properties, { description: "the user created" }), ...errorResponses(bodyErrors) },
};
const getUserSchema = {
  summary: "A user and their credit",
  params: UserId,
  response: {
    200: Type.Object(UserView.properties, { description: "the user" }),
    ...errorResponses({ 400: "the id is not a uuid", 404: "no user has this id" }),
  },
};

const view = (user: User) => ({
  id: user.id,
  name: user.name,
  status: user.status,
  creditLimitCents: user.creditLimitCents,
  reservedCents: user.reservedCents,
  availableCents: availableCents(user),
});

export function userRoutes(app: ServiceApp<PrismaClient, Prisma.TransactionClient>): void {
  const { db } = app;
  app.post("/users", { schema: createUserSchema }, async (request, reply) => {
    const user = await db.user.create({ data: { id: randomUUID(), ...request.body } });
    return reply.status(201).send(view(user));
  });

  app.get("/users/:id", { schema: getUserSchema }, async (request) => {
    const user = await db.user.findUnique({ where: { id: request.params.id } });
    if (!user) throw notFound(`user ${request.params.id}`);
    return view(user);
  });
}
