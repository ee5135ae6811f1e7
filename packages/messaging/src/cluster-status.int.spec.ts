// `pnpm kafka:status`'s reading against the real broker of the tests (one KRaft node, which is
// the controller), with a consumer group of this file's own.
import type { Consumer, Kafka } from "kafkajs";
import { eventually, KAFKA_BROKERS, testKafka, testServiceName } from "../test/support";
import { formatClusterStatus, readClusterStatus } from "./cluster-status";

jest.setTimeout(60_000);

let kafka: Kafka;
let consumer: Consumer;
const groupId = `${testServiceName("status")}-group`;

beforeAll(async () => {
  kafka = testKafka("status");
  consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: ["order.events"] });
  await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
});

afterAll(async () => {
  await consumer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
});

test("names the broker, the active controller (the quorum's leader), the saga topics and the group with what its member owns", async () => {
  const status = await eventually(
    async () => {
      const read = await readClusterStatus(kafka, KAFKA_BROKERS, [{ groupId, topics: ["order.events"] }]);
      return read.groups[0]?.state === "Stable" && read;
    },
    "the group to be stable",
    30_000,
    500,
  );
  expect(status.brokers).toEqual([{ nodeId: 1, host: "127.0.0.1", port: Number(KAFKA_BROKERS[0]!.split(":")[1]) }]);
  expect(status.quorum).toMatchObject({ leaderId: 1, voters: [{ nodeId: 1 }] });
  const orderEvents = status.topics.find((t) => t.topic === "order.events");
  expect(orderEvents?.partitions.map((p) => [p.leader, p.replicas, p.isr])).toEqual(Array.from({ length: 6 }, () => [1, [1], [1]]));

  const text = formatClusterStatus(status);
  expect(text).toContain("active controller: node 1");
  expect(text).toMatch(new RegExp(`  ${groupId}: Stable, 1 member, lag \\d+`));
  expect(text).toMatch(/: order\.events\/0,1,2,3,4,5\n/);
});
