import { Client } from "pg";
import { sendBadRequests } from "./support/bad-input";
import { createUser, finalOrder, placeOrder } from "./support/shop";
import { databaseUrlOf, serviceNames, startSystem, type RunningService } from "./support/system";

// The edges a reference system must hold: bad input is refused with reasons, errors show no
// internals, and no service can reach another's database. (`pnpm test:chaos` sends 1,000 per endpoint.)

jest.setTimeout(120_000);
let system: RunningService[] = [];
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await Promise.all(system.map((service) => service.stop()));
});

test("bad requests to every endpoint get a 4xx with a JSON reason, never a 5xx or internals; the services keep serving", async () => {
  const report = await sendBadRequests(60);
  expect(report.failures).toEqual([]);
  expect(report.tried).toBe(7 * 60);
  const user = await createUser(10_000);
  expect((await finalOrder((await placeOrder({ userId: user.id, totalCents: 100 })).id)).status).toBe("APPROVED");
});

describe("each service's database belongs to it alone", () => {
  const pairs = serviceNames.flatMap((owner) => serviceNames.filter((other) => other !== owner).map((other) => [owner, other] as const));

  test.each(pairs)("the %s service's role cannot connect to the %s service's database", async (owner, other) => {
    const ownRole = new URL(databaseUrlOf(owner));
    const target = new URL(databaseUrlOf(other));
    target.username = ownRole.username;
    target.password = ownRole.password;
    const client = new Client({ connectionString: target.toString() });
    await expect(client.connect()).rejects.toThrow(/permission denied for database/);
    await client.end().catch(() => undefined);
  });

  test.each(serviceNames)("the %s service's role reads its own database", async (owner) => {
    const client = new Client({ connectionString: databaseUrlOf(owner) });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT count(*)::int AS n FROM outbox");
      expect(rows[0].n).toBeGreaterThanOrEqual(0);
    } finally {
      await client.end();
    }
  });
});
