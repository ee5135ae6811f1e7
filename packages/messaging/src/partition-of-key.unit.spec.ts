import { partitionOfKey } from "./kafka";

describe("partitionOfKey: where the producer sends a keyed message", () => {
  // Computed with Kafka 4.1.1's Java client (Utils.toPositive(Utils.murmur2(key)) % 6): a key
  // goes to the same partition whichever client produces it.
  test.each([
    ["a", 4],
    ["order-1", 4],
    ["0f28e985-a513-44c3-8fe5-88791519d8f6", 2],
    ["36072329-f98b-45e0-aa53-c129f0aade3a", 5],
  ])("%s → partition %i of 6, as Kafka's own partitioner says", (key, partition) => {
    expect(partitionOfKey(key, 6)).toBe(partition);
  });

  test("the same key always lands on the same partition, within range", () => {
    const key = "0f28e985-a513-44c3-8fe5-88791519d8f6";
    expect(partitionOfKey(key, 6)).toBe(partitionOfKey(key, 6));
    for (let i = 0; i < 100; i++) expect(partitionOfKey(`order-${i}`, 6)).toBeLessThan(6);
  });
});
