// Consumer groups against a real broker: members of one group split a topic's partitions, a
// member beyond the partitions is idle, and one leaving hands its partitions on; each member
// says so in its log, in words (rebalance.ts). The topic is this file's own, of 2 partitions.
import { consumerGroupOf } from "@saga-shop/contracts";
import type { Kafka, Producer } from "kafkajs";
import {
  capturingLogger,
  createTestDatabase,
  createTopics,
  deleteTopicsAndGroups,
  eventually,
  pgTransactionRunner,
  testKafka,
  testServiceName,
  type TestDatabase,
} from "../test/support";
import { startEventConsumer, type EventConsumer } from "./event-consumer";
import { createProducer } from "./kafka";

jest.setTimeout(90_000);

const service = testServiceName("rebalance");
const topic = `${service}.input`;
const groupId = consumerGroupOf(service);

let db: TestDatabase;
let kafka: Kafka;
let producer: Producer;
const running = new Map<string, EventConsumer>();
const { logger, entries } = capturingLogger("info");

beforeAll(async () => {
  db = await createTestDatabase("rebalance");
  kafka = testKafka("rebalance-test");
  await createTopics(kafka, [{ topic, numPartitions: 2 }]);
  producer = createProducer(kafka);
  await producer.connect();
});

afterAll(async () => {
  await Promise.all([...running.values()].map((c) => c.stop()));
  await producer?.disconnect();
  if (kafka) await deleteTopicsAndGroups(kafka, [topic], [groupId]);
  await db?.drop();
});

/** An instance of the made-up service: its own Kafka client, the group's consumer, named `member`. */
async function startMember(member: string): Promise<void> {
  const deps = { service, db: pgTransactionRunner(db.pool), handlers: {}, producer, logger: logger.child({ member }), databaseIsUp: async () => true };
  running.set(member, await startEventConsumer(testKafka(member), [topic], deps, (error) => logger.error({ err: error }, "crashed"), { member }));
}

/** The last rebalance line of each member, once every running member has logged one for a group of `size`. */
const settledAt = (size: number) =>
  eventually(
    () => {
      const last = new Map<string, { msg: string; assignment: Record<string, number[]> }>();
      for (const e of entries) if (e.groupId === groupId) last.set(e.member as string, e as never);
      const lines = [...running.keys()].map((m) => last.get(m));
      return lines.every((l) => l?.msg.includes(`(group ${groupId}, ${size} members)`) || l?.msg.includes(`group ${groupId} has ${size} members`))
        ? new Map([...running.keys()].map((m, i) => [m, lines[i]!]))
        : undefined;
    },
    `every member to log the rebalance of a group of ${size}`,
    60_000,
  );

test("two members split the partitions, a third is idle and says why, and when an owner leaves the idle one takes its partition", async () => {
  await startMember("rb-1");
  await startMember("rb-2");
  const two = await settledAt(2);
  const ownedBy = (m: string) => two.get(m)!.assignment[topic] ?? [];
  // A real split: one partition each, between them both.
  expect([...ownedBy("rb-1"), ...ownedBy("rb-2")].sort()).toEqual([0, 1]);
  expect(two.get("rb-1")!.msg).toBe(`rb-1 now owns ${topic}/${ownedBy("rb-1")[0]} (group ${groupId}, 2 members)`);
  expect(two.get("rb-2")!.msg).toBe(`rb-2 now owns ${topic}/${ownedBy("rb-2")[0]} (group ${groupId}, 2 members)`);

  await startMember("rb-3");
  const three = await settledAt(3);
  const idle = [...three].filter(([, line]) => (line.assignment[topic] ?? []).length === 0).map(([m]) => m);
  const owners = [...three].filter(([, line]) => (line.assignment[topic] ?? []).length === 1);
  // Round-robin by member id: which one goes without is the broker's choice, but one does.
  expect(idle).toHaveLength(1);
  expect(owners.flatMap(([, line]) => line.assignment[topic]!).sort()).toEqual([0, 1]);
  expect(three.get(idle[0]!)!.msg).toBe(
    `${idle[0]} is idle: group ${groupId} has 3 members for 2 partitions of ${topic}; a partition is consumed by one member of a group at a time, so 1 member waits until one leaves`,
  );

  // An owner leaves (a graceful stop leaves the group at once): the idle member takes a partition.
  const leaving = owners[0]![0];
  await running.get(leaving)!.stop();
  running.delete(leaving);
  const after = await settledAt(2);
  const taken = after.get(idle[0]!)!.assignment[topic] ?? [];
  expect(taken).toHaveLength(1);
  expect([...after.values()].flatMap((line) => line.assignment[topic] ?? []).sort()).toEqual([0, 1]);
  expect(after.get(idle[0]!)!.msg).toBe(`${idle[0]} now owns ${topic}/${taken[0]} (group ${groupId}, 2 members)`);
});
