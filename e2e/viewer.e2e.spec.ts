// The viewer as a visitor meets it, in headless Chromium: orders placed from its page, their
// timelines reaching their end with each step in its producer's lane, a delivery failure's
// compensations, dead letters made for real (a service role loses a privilege, so its handler
// keeps failing with the database up), refused when out of order and redriven, from the page and
// with `pnpm dlq`, and nothing applied twice. It takes the screenshots the README shows (docs/, with
// UPDATE_SCREENSHOTS=1).
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { producerOf, type EventType } from "@saga-shop/contracts";
import type { Page } from "playwright-core";
import { headline } from "../apps/viewer/src/terminal";
import { adminUrlOf, sql } from "../test-support/postgres";
import { deliveriesOf, finalOrder, paymentsOf, userById } from "./support/shop";
import { api, databaseUrlOf, root, startService, startSystem, waitFor, type RunningService, type ServiceName } from "./support/system";
import { openBrowser, startViewer, stopCliProcesses, viewerCli, viewerCliProcess, viewerUrl, type RunningViewer } from "./support/viewer";

jest.setTimeout(180_000);

// What the functions passed to page.evaluate and friends see, in the browser; the tests are
// compiled without the DOM's types (they would clash with Node's).
declare const document: any;
declare const location: { hash: string };
type HTMLElement = any;

const ADA = "00000000-0000-4000-8000-000000000001";
const superuserUrl = (service: ServiceName) => adminUrlOf(new URL(databaseUrlOf(service)).pathname.slice(1));
const roleOf = (service: ServiceName) => new URL(databaseUrlOf(service)).username;
// The README's pictures are refreshed on purpose (UPDATE_SCREENSHOTS=1); every other run keeps its
// screenshots in .local/, so a test run leaves the tracked files alone.
const shotDir = process.env.UPDATE_SCREENSHOTS === "1" ? join(root, "docs") : join(root, ".local", "viewer-screenshots");
mkdirSync(shotDir, { recursive: true });
const shot = (name: string) => join(shotDir, `viewer-${name}.png`);

let system: RunningService[] = [];
let viewer: RunningViewer;
let browser: Awaited<ReturnType<typeof openBrowser>>;
let page: Page;
/** The first test's order, opened again from the keyboard by the second. */
let approvedId = "";

beforeAll(async () => {
  system = await startSystem();
  viewer = await startViewer();
  browser = await openBrowser();
  page = browser.page;
  await page.goto(viewerUrl);
  await page.waitForSelector("#connection.live");
});

afterAll(async () => {
  stopCliProcesses();
  await browser?.close();
  await viewer?.stop();
  await Promise.all(system.map((service) => service.stop()));
});

const viewerApi = async <T = any>(path: string, init?: RequestInit) => {
  const response = await fetch(`${viewerUrl}${path}`, init);
  return { status: response.status, body: (await response.json()) as T };
};

/** Until every consumer group has handled everything on its topics (the viewer's own report). */
const settled = () =>
  waitFor("every consumer group to catch up", async () => {
    const { body } = await viewerApi<{ lag: number }[]>("/api/groups");
    return body.length > 0 && body.every((group) => group.lag === 0) ? true : undefined;
  });

/** Presses a demo button; the page opens the new order's timeline (#saga=<id>). */
async function placeFromPage(trigger: string): Promise<string> {
  const before = await page.evaluate(() => location.hash);
  await page.click(`#demo-buttons button[data-trigger="${trigger}"]`);
  await page.waitForFunction((old) => location.hash.startsWith("#saga=") && location.hash !== old, before);
  return (await page.evaluate(() => location.hash)).slice("#saga=".length);
}

const waitForStatus = (status: string) => page.waitForSelector(`#saga-status[data-status="${status}"]`, { timeout: 60_000 });

/** Each row of the open timeline: its event type, the lane its card is in, and whether it is marked a compensation. */
const timelineRows = () =>
  page.$$eval("#lanes tbody tr[data-type]", (rows) => {
    const lanes = [...document.querySelectorAll("#lanes thead th[data-lane]")].map((th) => th.dataset.lane);
    return rows.map((row) => {
      const cells = [...row.querySelectorAll("td")];
      const filled = cells.findIndex((td) => td.children.length > 0);
      return {
        type: (row as HTMLElement).dataset.type!,
        lane: lanes[filled],
        cellLane: cells[filled]?.dataset.lane,
        filledCells: cells.filter((td) => td.children.length > 0).length,
        compensation: (row as HTMLElement).dataset.compensation === "true",
        text: row.textContent ?? "",
      };
    });
  });

const deadLettersOf = async (orderId: string, consumer: string) =>
  (await viewerApi<any[]>("/api/dead-letters")).body.filter((d) => d.orderId === orderId && d.consumer === consumer);

test("an order placed from the page: its timeline reaches APPROVED live, each step in the lane of the service that produced it", async () => {
  const orderId = await placeFromPage("approved");
  approvedId = orderId;
  await waitForStatus("APPROVED");
  const rows = await timelineRows();
  expect(rows.map((r) => r.type)).toEqual(["OrderCreated", "CreditReserved", "PaymentCompleted", "DeliveryScheduled", "OrderApproved"]);
  for (const row of rows) {
    expect({ type: row.type, lane: row.lane, cellLane: row.cellLane, cells: row.filledCells }).toEqual({ type: row.type, lane: producerOf(row.type as EventType), cellLane: producerOf(row.type as EventType), cells: 1 });
    // Each card says where its event is: topic, partition and offset.
    expect(row.text).toMatch(new RegExp(`by ${producerOf(row.type as EventType)} · ${producerOf(row.type as EventType)}\\.events · partition \\d · offset \\d+`));
  }
  expect(rows.some((r) => r.compensation)).toBe(false);
  expect(await page.textContent("#saga-transaction")).toBe("choreography");
  // The same saga the order service tells.
  const order = await finalOrder(orderId);
  expect(order.status).toBe("APPROVED");
  expect(order.history.map((step: { type: string }) => step.type)).toEqual(rows.map((r) => r.type));
  // In the list, with its status and transaction mode; the filter finds it.
  await page.fill("#filters input[name=q]", orderId.slice(0, 8));
  await page.waitForSelector(`#saga-table tr[data-order-id="${orderId}"][data-status="APPROVED"]`);
  expect(await page.$$eval("#saga-table tbody tr", (trs) => trs.length)).toBe(1);
  await page.fill("#filters input[name=q]", "");
  await page.locator("#filters input[name=q]").blur();
  // Every consumer group, with its members and their partitions.
  await settled();
  for (const group of ["order-service", "user-service", "payment-service", "delivery-service"]) {
    await page.waitForSelector(`#groups-body article[data-group="${group}"] tbody tr`);
  }
  await page.waitForFunction(() => /1 member · lag 0/.test(document.querySelector('#groups-body article[data-group="payment-service"]')?.textContent ?? ""));
  expect(await page.textContent('#groups-body article[data-group="payment-service"]')).toMatch(/user\.events: 0, 1, 2, 3, 4, 5/);
  await page.screenshot({ path: shot("approved"), fullPage: true });
});

test("a delivery failure (country AQ): the compensations, marked as such in their lanes, in reverse order, and the reason", async () => {
  await placeFromPage("delivery-failed");
  await waitForStatus("CANCELLED");
  const rows = await timelineRows();
  const types = rows.map((r) => r.type);
  expect(types).toEqual(["OrderCreated", "CreditReserved", "PaymentCompleted", "DeliveryFailed", "PaymentRefunded", "CreditReleased", "OrderCancelled"]);
  expect(rows.filter((r) => r.compensation).map((r) => [r.type, r.lane])).toEqual([
    ["PaymentRefunded", "payment"],
    ["CreditReleased", "user"],
  ]);
  expect(rows.find((r) => r.type === "PaymentRefunded")!.text).toMatch(/compensation[\s\S]*undoes PaymentCompleted/);
  expect(await page.textContent("#saga-reason")).toBe("delivery failed: address not serviceable: we do not deliver to AQ");
  await page.locator(".columns").screenshot({ path: shot("compensation") });

  // With the keyboard alone: filter the list to the first test's order, Tab to its link, Enter.
  await page.focus("#filters input[name=q]");
  await page.keyboard.type(approvedId.slice(0, 8));
  await page.waitForFunction(() => document.querySelectorAll("#saga-table tbody tr").length === 1);
  await page.keyboard.press("Tab"); // the "waiting on a dead letter" checkbox
  await page.keyboard.press("Tab"); // the order's link
  expect(await page.evaluate(() => document.activeElement?.getAttribute("href"))).toBe(`#saga=${approvedId}`);
  await page.keyboard.press("Enter");
  await waitForStatus("APPROVED");
  expect(await page.textContent("#timeline-body dd.mono")).toBe(approvedId);
  await page.fill("#filters input[name=q]", "");
});

test("a dead letter: appears on the page and on its saga, is redriven from the page once its cause is gone, and the saga completes with nothing applied twice", async () => {
  await settled();
  const creditBefore = (await userById(ADA)).reservedCents as number;
  // The payment service's role may no longer insert payments: its CreditReserved handler keeps
  // failing with the database up, and after its retries the event is dead-lettered.
  await sql(superuserUrl("payment"), `REVOKE INSERT ON payments FROM "${roleOf("payment")}"`);
  let orderId: string;
  let deadLetterId: string;
  try {
    orderId = await placeFromPage("approved");
    deadLetterId = await waitFor("payment to dead-letter CreditReserved", async () => (await deadLettersOf(orderId, "payment"))[0]?.id, 60_000);
  } finally {
    await sql(superuserUrl("payment"), `GRANT INSERT ON payments TO "${roleOf("payment")}"`);
  }
  const row = `#dead-letter-table tr[data-dead-letter="${deadLetterId}"]`;
  await page.waitForSelector(row);
  const listed = (await deadLettersOf(orderId!, "payment"))[0];
  expect(listed).toMatchObject({ eventType: "CreditReserved", attempts: 5, source: expect.stringMatching(/^user\.events\/\d@\d+$/), reason: expect.stringMatching(/permission denied/) });
  const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
  expect(cells.slice(0, 2)).toEqual(["payment", "CreditReserved"]);
  // Its reason's last line first (Prisma's error quotes the code; the whole of it is behind "full reason").
  expect(cells[3]!.startsWith(headline(listed.reason))).toBe(true);
  expect(headline(listed.reason)).toMatch(/permission denied for table payments/);
  expect(cells.slice(4, 6)).toEqual([listed.source, "5"]);
  // On the saga's timeline, in the lane of the consumer that gave up; the saga waits.
  await page.waitForSelector(`#lanes tr[data-dead-letter="${deadLetterId}"][data-lane="payment"]`);
  expect(await page.getAttribute("#saga-status", "data-status")).toBe("PENDING");
  await page.screenshot({ path: shot("dead-letter"), fullPage: true });

  await page.click(`${row} button`);
  await page.waitForFunction(() => /redriven to user\.events\/\d@\d+/.test(document.getElementById("redrive-result")!.textContent ?? ""));
  await waitForStatus("APPROVED");
  await page.waitForSelector(`${row} td.redriven:has-text("×1")`);
  await page.locator("#dead-letters").screenshot({ path: shot("redriven") });

  const applied = async () => ({
    payments: (await paymentsOf(orderId)).map((p) => p.status),
    deliveries: (await deliveriesOf(orderId)).map((d) => d.status),
    history: (await api("order", `/orders/${orderId}`)).body.history.map((s: { type: string }) => s.type),
    credit: (await userById(ADA)).reservedCents - creditBefore,
  });
  const once = { payments: ["CAPTURED"], deliveries: ["SCHEDULED"], history: ["OrderCreated", "CreditReserved", "PaymentCompleted", "DeliveryScheduled", "OrderApproved"], credit: 2500 };
  expect(await applied()).toEqual(once);

  // Redriven again: the payment service recognises the event and changes nothing.
  const again = await viewerApi("/api/dead-letters/redrive", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id: deadLetterId }) });
  expect(again.status).toBe(200);
  expect(again.body.results[0].note).toMatch(/^payment has already applied CreditReserved .*duplicate/);
  const paymentLog = join(root, ".local", process.env.TEST_LOG_DIR ?? "e2e-logs", "payment-1.log");
  await waitFor("the payment service to ignore the second copy", async () =>
    readFileSync(paymentLog, "utf8").split("\n").some((line) => line.includes(orderId) && line.includes("CreditReserved already processed; redelivery ignored")) ? true : undefined,
  );
  await settled();
  expect(await applied()).toEqual(once);
});

test("out of order is refused: an order's later event is not redriven before its earlier one; `pnpm dlq redrive --all` takes them in order and the saga ends CANCELLED, each step once", async () => {
  await settled();
  // While the user service is down the new order's OrderCreated waits; meanwhile the order
  // service's role loses INSERT on its timeline, so every event of the order it handles from
  // then on is dead-lettered: CreditReserved and CreditReleased (both on user.events, in that
  // order), and PaymentFailed.
  const user = system.find((s) => s.name === "user")!;
  await user.stop();
  system = system.filter((s) => s !== user);
  let orderId: string;
  let byType: Record<string, string>;
  try {
    orderId = await placeFromPage("payment-declined");
    await sql(superuserUrl("order"), `REVOKE INSERT ON saga_steps FROM "${roleOf("order")}"`);
    system.push(await startService("user"));
    byType = await waitFor(
      "the order service to dead-letter the order's three events",
      async () => {
        const found = await deadLettersOf(orderId, "order");
        return found.length === 3 ? Object.fromEntries(found.map((d) => [d.eventType, d.id])) : undefined;
      },
      60_000,
    );
  } finally {
    await sql(superuserUrl("order"), `GRANT INSERT ON saga_steps TO "${roleOf("order")}"`);
  }
  expect(Object.keys(byType).sort()).toEqual(["CreditReleased", "CreditReserved", "PaymentFailed"]);

  // From the page: CreditReleased before CreditReserved is refused, with the reason.
  await page.click(`#dead-letter-table tr[data-dead-letter="${byType.CreditReleased}"] button`);
  await page.waitForFunction(() => document.getElementById("redrive-result")!.classList.contains("refused"));
  expect(await page.textContent("#redrive-result")).toMatch(
    new RegExp(`refused: CreditReserved of order ${orderId} came before CreditReleased on user\\.events/\\d and order has not applied it: redrive ${byType.CreditReserved!.replace(/[./]/g, "\\$&")} first`),
  );
  await page.locator("#dead-letters").screenshot({ path: shot("refused") });
  // And from the command.
  const refused = viewerCli(["dlq", "redrive", byType.CreditReleased!]);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(/refused: CreditReserved of order .* came before CreditReleased/);

  const listed = viewerCli(["dlq", "list"]);
  expect(listed.status).toBe(0);
  for (const id of Object.values(byType)) expect(listed.stdout).toContain(id);

  // `pnpm watch <orderId>` follows the saga to its end as it happens.
  const watch = viewerCliProcess(["watch", orderId]);
  try {
    const all = viewerCli(["dlq", "redrive", "--all"]);
    expect(all.status).toBe(0);
    const redriven = all.stdout.split("\n").filter((line) => / redriven to /.test(line)).map((line) => line.split(":")[0]);
    expect(redriven).toEqual(expect.arrayContaining(Object.values(byType)));
    expect(redriven.indexOf(byType.CreditReserved!)).toBeLessThan(redriven.indexOf(byType.CreditReleased!));

    const order = await finalOrder(orderId);
    expect(order).toMatchObject({ status: "CANCELLED", failureReason: "payment failed: card declined" });
    expect(order.history.map((s: { type: string }) => s.type).sort()).toEqual(["CreditReleased", "CreditReserved", "OrderCancelled", "OrderCreated", "PaymentFailed"]);
    expect(await paymentsOf(orderId)).toEqual([expect.objectContaining({ status: "DECLINED" })]);
    expect(await watch.exitWithin(30_000)).toBe(0);
    const lines = watch.output();
    expect(lines).toMatch(/DEAD LETTER {2}order could not process CreditReserved from user\.events\/\d@\d+ after 5 attempts/);
    expect(lines).toMatch(/REDRIVEN {5}order\.dead-letter\/\d@\d+ back to user\.events/);
    expect(lines).toMatch(/user {6}CreditReleased .*COMPENSATION \(undoes CreditReserved\)/);
    expect(lines.trim().split("\n").at(-1)).toMatch(/^\w{8} {2}CANCELLED after .* \(choreography\): payment failed: card declined$/);
  } finally {
    watch.kill();
  }
  await page.goto(`${viewerUrl}/#saga=${orderId}`);
  await waitForStatus("CANCELLED");
  expect((await viewerApi(`/api/sagas/${orderId}`)).body.waitingDeadLetters).toBe(0);
});
