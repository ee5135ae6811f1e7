// The viewer's demo buttons (apps/viewer/src/demo.ts) against the README's "Demo triggers" table:
// one button per row, each placing the order that row says shows its outcome.
import { demoTriggers, demoUsers } from "../apps/viewer/src/demo";
import { readmeSection, tableWithHeader } from "../test-support/readme";

const rows = tableWithHeader(readmeSection("Run it"), ["to see", "use", "two-phase commit"]).rows.map(([toSee = "", use = ""]) => ({ toSee, use }));

test("one demo button per row of the README's Demo triggers table, in its order", () => {
  expect(demoTriggers.map((t) => t.toSee)).toEqual(rows.map((r) => r.toSee));
});

test.each(rows)("$toSee: the button's order uses what the README says", ({ toSee, use }) => {
  const order = demoTriggers.find((t) => t.toSee === toSee)!.order();
  const uuid = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/.exec(use)?.[0];
  if (uuid) expect(order.userId).toBe(uuid);
  else if (/any other uuid/.test(use)) expect(Object.values(demoUsers)).not.toContain(order.userId);
  else expect(order.userId).toBe(demoUsers.ada);
  expect(order.paymentToken).toBe(/\btok_\w+/.exec(use)?.[0] ?? "tok_visa");
  expect(order.shippingAddress.country).toBe(/country"?:?[\s`"]*([A-Z]{2})/.exec(use)?.[1] ?? "KR");
  const total = order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  const over = /total over (\d+) cents/.exec(use)?.[1];
  if (over) expect(total).toBeGreaterThan(Number(over));
});
