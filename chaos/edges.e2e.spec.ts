import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { parse } from "yaml";
import { adminUrlOf, sql } from "../test-support/postgres";
import { badHttpRequests, endpoints, INTERNALS, sendBadHttp } from "./support/bad-http";
import { createUser, finalOrder, placeOrder } from "../e2e/support/shop";
import { databaseUrlOf, root, runSystemAroundTests, serviceNames, urlOf } from "../e2e/support/system";

// The fast parts of the reliability suite, run by `pnpm test` (`pnpm test:chaos` does the rest):
// a sample of the bad requests (`pnpm test:chaos` sends over 1,000 per endpoint), an error the
// server causes itself (its 5xx must not show internals either), each database closed to every
// other service's role by trying, and containers that do not run as root.

jest.setTimeout(120_000);
runSystemAroundTests();

const superuserUrl = (service: string) => adminUrlOf(new URL(databaseUrlOf(service as never)).pathname.slice(1));

const query = sql;

test("a sample of bad requests to every endpoint: each a 4xx with a JSON reason and no internals, no 5xx", async () => {
  const report = await sendBadHttp(badHttpRequests(100, 15, 7));
  expect(report.failures).toEqual([]);
  expect(report.fiveXx).toBe(0);
  for (const [, endpoint] of endpoints) expect(report.byEndpoint[endpoint]).toBeGreaterThanOrEqual(100);
  // And the shop still works.
  const user = await createUser(10_000);
  expect((await finalOrder((await placeOrder({ userId: user.id, totalCents: 100 })).id)).status).toBe("APPROVED");
});

test("a failure on the server's side is a 500 with a plain reason: no stack trace, no SQL, no table names", async () => {
  // Nothing in flight for the payment service, so taking its table away for a moment hurts no event.
  const kafka = new Kafka({ brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:19092").split(","), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let settled = false; !settled; await new Promise((r) => setTimeout(r, 200))) {
      const topics = ["user.events", "delivery.events"];
      const committed = await admin.fetchOffsets({ groupId: "payment-service", topics });
      let lag = 0;
      for (const { topic, partitions } of committed) {
        for (const end of await admin.fetchTopicOffsets(topic)) {
          const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
          lag += Number(end.high) - (offset < 0 ? Number(end.low) : offset);
        }
      }
      settled = lag === 0;
    }
  } finally {
    await admin.disconnect();
  }
  const role = new URL(databaseUrlOf("payment")).username;
  await query(superuserUrl("payment"), `REVOKE SELECT ON payments FROM "${role}"`);
  let response: Response;
  try {
    response = await fetch(`${urlOf("payment")}/payments?orderId=9f0f5d8e-0000-4000-8000-00000000abcd`);
  } finally {
    await query(superuserUrl("payment"), `GRANT SELECT ON payments TO "${role}"`);
  }
  const text = await response.text();
  expect(response.status).toBe(500);
  expect(JSON.parse(text)).toEqual({ statusCode: 500, error: "Internal Server Error", message: expect.any(String) });
  expect(text).not.toMatch(INTERNALS);
  expect(text).not.toMatch(/payments|permission|denied/i);
  // Served again once the table is back.
  expect((await fetch(`${urlOf("payment")}/payments?orderId=9f0f5d8e-0000-4000-8000-00000000abcd`)).status).toBe(200);
});

describe("no service can read or write another service's database", () => {
  const pairs = serviceNames.flatMap((owner) => serviceNames.filter((other) => other !== owner).map((other) => [owner, other] as const));

  test.each(pairs)("as the %s service's role: connecting to the %s database, to read or to write, is refused", async (owner, other) => {
    const own = new URL(databaseUrlOf(owner));
    const target = new URL(databaseUrlOf(other));
    target.username = own.username;
    target.password = own.password;
    for (const statement of ["SELECT count(*) FROM outbox", "INSERT INTO processed_events (event_id, event_type) VALUES (gen_random_uuid(), 'Forged')"]) {
      await expect(query(target.toString(), statement)).rejects.toThrow(/permission denied for database/);
    }
  });

  test.each(pairs)("as the %s service's role, it cannot become the %s service's role", async (owner, other) => {
    const otherRole = new URL(databaseUrlOf(other)).username;
    await expect(query(databaseUrlOf(owner), `SET ROLE "${otherRole}"`)).rejects.toThrow(/permission denied/);
    await expect(query(databaseUrlOf(owner), `ALTER ROLE "${otherRole}" PASSWORD 'stolen'`)).rejects.toThrow(/permission denied|must have CREATEROLE/i);
  });

  test.each(serviceNames)("the %s service's role has no way around it: no superuser, no new roles or databases, no dblink", async (owner) => {
    const role = new URL(databaseUrlOf(owner)).username;
    const { rows } = await query(superuserUrl(owner), `SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = '${role}'`);
    expect(rows).toEqual([{ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false }]);
    await expect(query(databaseUrlOf(owner), "CREATE EXTENSION IF NOT EXISTS dblink")).rejects.toThrow(/permission denied|not available|must be superuser|could not open extension/i);
    await expect(query(databaseUrlOf(owner), "COPY (SELECT 1) TO PROGRAM 'true'")).rejects.toThrow(/permission denied|must be superuser|pg_execute_server_program/i);
  });
});

test("containers do not run as root: the image's last USER is not root and compose does not override it", () => {
  const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
  const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gim)].map((m) => m[1]);
  expect(users.at(-1)).toBeDefined();
  expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  const compose = parse(readFileSync(join(root, "docker-compose.yml"), "utf8"), { merge: true }) as { services: Record<string, any> };
  for (const name of [...serviceNames, "viewer", "kafka-init"]) {
    expect(String(compose.services[name].user ?? "")).not.toMatch(/^(root|0)(:|$)/);
  }
});
