// The user routes' answers, through their response schemas: the serializer writes only what a
// schema names, so each answer must still carry every field, with the value it had before the
// schemas. The database is a stub.
import type { HttpApp } from "@saga-shop/service-kit";
import { serviceApp } from "../../../packages/service-kit/test/service-app";
import { userService } from "./main";

const USER_ID = "00000000-0000-4000-8000-000000000002";

/** A row as Prisma returns it: every column, including those the API does not show. */
const userRow = (overrides: Partial<Record<string, unknown>> = {}) => ({
  id: USER_ID,
  name: "Lin",
  status: "SUSPENDED",
  creditLimitCents: 1000,
  reservedCents: 250,
  createdAt: new Date("2026-03-01T10:00:00.000Z"),
  updatedAt: new Date("2026-03-02T10:00:00.000Z"),
  ...overrides,
});

let app: HttpApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("GET /users/:id", () => {
  test("given a user, then every field comes back as before, availableCents computed, timestamps not shown", async () => {
    app = serviceApp(userService, { user: { findUnique: async () => userRow() } });
    const response = await app.inject({ method: "GET", url: `/users/${USER_ID}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: USER_ID,
      name: "Lin",
      status: "SUSPENDED",
      creditLimitCents: 1000,
      reservedCents: 250,
      availableCents: 750,
    });
  });

  test("given no such user, then 404 with the error body", async () => {
    app = serviceApp(userService, { user: { findUnique: async () => null } });
    const response = await app.inject({ method: "GET", url: `/users/${USER_ID}` });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: "Not Found", message: `user ${USER_ID} not found` });
  });

  test("given an id that is not a uuid, then 400 with the error body naming it", async () => {
    app = serviceApp(userService);
    const response = await app.inject({ method: "GET", url: "/users/42" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message: expect.stringContaining("params/id") });
  });
});

describe("POST /users", () => {
  test("given a new user, then 201 with the user as before", async () => {
    const created: unknown[] = [];
    app = serviceApp(userService, {
      user: {
        create: async ({ data }: { data: Record<string, unknown> }) => {
          created.push(data);
          return userRow({ ...data, status: data.status ?? "ACTIVE", reservedCents: 0 });
        },
      },
    });
    const response = await app.inject({
      method: "POST",
      url: "/users",
      headers: { "content-type": "application/json" },
      payload: { name: "Kim", creditLimitCents: 5000 },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: "Kim",
      status: "ACTIVE",
      creditLimitCents: 5000,
      reservedCents: 0,
      availableCents: 5000,
    });
    expect(created).toEqual([{ id: response.json().id, name: "Kim", creditLimitCents: 5000 }]);
  });

  test("given a body that is not JSON, then 415 with the error body", async () => {
    app = serviceApp(userService);
    const response = await app.inject({ method: "POST", url: "/users", headers: { "content-type": "text/plain" }, payload: "Kim" });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual({ statusCode: 415, error: "Unsupported Media Type", message: expect.any(String) });
  });
});
