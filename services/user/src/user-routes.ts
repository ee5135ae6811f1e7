import { randomUUID } from "node:crypto";
import { notFound, type HttpApp, type ServiceContext } from "@saga-shop/service-kit";
import { Type } from "@sinclair/typebox";
import type { PrismaClient, User } from "./generated/prisma/client";
import { availableCents } from "./credit-rules";

const UserId = Type.Object({ id: Type.String({ format: "uuid" }) });
const CreateUserBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    creditLimitCents: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    status: Type.Optional(Type.Union([Type.Literal("ACTIVE"), Type.Literal("SUSPENDED")])),
  },
  { additionalProperties: false },
);

const view = (user: User) => ({
  id: user.id,
  name: user.name,
  status: user.status,
  creditLimitCents: user.creditLimitCents,
  reservedCents: user.reservedCents,
  availableCents: availableCents(user),
});

export function userRoutes(app: HttpApp, { db }: ServiceContext<PrismaClient>): void {
  app.post("/users", { schema: { body: CreateUserBody } }, async (request, reply) => {
    const user = await db.user.create({ data: { id: randomUUID(), ...request.body } });
    return reply.status(201).send(view(user));
  });

  app.get("/users/:id", { schema: { params: UserId } }, async (request) => {
    const user = await db.user.findUnique({ where: { id: request.params.id } });
    if (!user) throw notFound(`user ${request.params.id}`);
    return view(user);
  });
}
