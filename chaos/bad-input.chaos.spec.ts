import { connect } from "node:net";
import { urlOf } from "../e2e/support/system";
import { badHttpRequests, endpoints, sendBadHttp } from "./support/bad-http";
import { chaosEnv, progress, seededRandom, writeFigures } from "./support/env";
import { createUsers, placeReliably, planOrders, waitUntilSettled, type PlacementStats } from "./support/orders";
import { Fleet } from "./support/processes";
import { verifyOrders } from "./support/verify";

// 5 of "prove it loses nothing": over a thousand generated bad requests to every endpoint.
// Each gets a 4xx with a JSON reason and no internals, none a 5xx; no service falls over,
// and the shop still takes orders afterwards.

const PER_ENDPOINT = 1000;
const EXTRA_PER_ENDPOINT = 60;

jest.setTimeout(10 * 60_000);
const fleet = new Fleet();
const figures: Record<string, any> = {};

beforeAll(async () => {
  await fleet.start();
});
afterAll(async () => {
  await fleet.stop();
  writeFigures("bad-input", figures);
});

test(`${PER_ENDPOINT + EXTRA_PER_ENDPOINT} bad requests to each of the ${endpoints.length} endpoints: all 4xx with a JSON reason, no 5xx, the services keep serving`, async () => {
  const pids = fleet.services.map((s) => s.pid);
  const exitsBefore = fleet.selfExits.length;
  const requests = badHttpRequests(PER_ENDPOINT, EXTRA_PER_ENDPOINT, chaosEnv.seed);
  progress(`sending ${requests.length} bad requests`);
  const started = Date.now();
  const report = await sendBadHttp(requests, 8, (done) => progress(`${done}/${requests.length} bad requests sent`));
  const seconds = (Date.now() - started) / 1000;
  progress(`bad requests: ${report.tried} tried in ${seconds.toFixed(1)} s, ${report.fourXx} got a 4xx, ${report.fiveXx} a 5xx, ${report.failures.length} failures; statuses ${JSON.stringify(report.byStatus)}`);

  // Still serving: the same processes (none crashed and restarted) place and finish a saga.
  const random = seededRandom(chaosEnv.seed + 2);
  const users = await createUsers(1, 1);
  const orders = planOrders(4, users, random);
  const stats: PlacementStats = { attempts: 0, serverErrors: 0, networkErrors: 0, replayed: 0 };
  for (const order of orders) await placeReliably(order, stats, 10_000);
  await waitUntilSettled(orders.map((o) => o.id!), 60_000, "the orders after the bad requests");
  const verdict = await verifyOrders(orders, users);

  Object.assign(figures, {
    badRequestsTried: report.tried,
    perEndpoint: report.byEndpoint,
    fourXx: report.fourXx,
    fiveXx: report.fiveXx,
    failures: report.failures.length,
    oversizedResets: report.oversizedResets,
    statuses: report.byStatus,
    seconds: Number(seconds.toFixed(1)),
    failureSamples: report.failures.slice(0, 30),
    selfExits: fleet.selfExits.length - exitsBefore,
  });

  expect(report.failures.slice(0, 30)).toEqual([]);
  expect(report.fiveXx).toBe(0);
  for (const [, endpoint] of endpoints) expect(report.byEndpoint[endpoint]).toBeGreaterThanOrEqual(1000);
  expect(fleet.selfExits.slice(exitsBefore)).toEqual([]);
  expect(fleet.services.map((s) => s.pid)).toEqual(pids);
  expect([...verdict.lost, ...verdict.duplicated, ...verdict.wrong]).toEqual([]);
  expect(verdict.terminal).toBe(orders.length);
});

/** Writes raw bytes to a service and returns everything it answers until it closes the connection. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk.toString()));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer within 10 s")));
  });
}

// Requests Node's HTTP parser refuses before any route sees them. The server answers and closes
// the connection; an answer that does not say so (Connection: close) leaves a keep-alive client
// (browsers, fetch) sending its next request into a closed socket: "other side closed".
test.each([
  ["headers over the size limit", (path: string) => `GET ${path}/${"x".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
  ["a request line that is not HTTP", () => "HELLO THERE\r\n\r\n", 400],
  ["a broken header line", (path: string) => `GET ${path} HTTP/1.1\r\nHost x\r\n\r\n`, 400],
])("%s: a 4xx with a JSON reason that says the connection closes", async (_why, raw, status) => {
  const url = new URL(`${urlOf("order")}/orders`);
  const answer = await rawExchange(Number(url.port), raw(url.pathname));
  const [head, body] = answer.split("\r\n\r\n");
  expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
  expect(JSON.parse(body!)).toEqual(expect.objectContaining({ statusCode: status, message: expect.any(String) }));
  expect(head).toMatch(/^connection: close$/im);
});
