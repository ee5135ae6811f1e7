import { describeSettings, topicSettings } from "./topics-admin";

describe("topic settings for the cluster's size", () => {
  test("a single broker: one copy, and writes accepted by it alone", () => {
    expect(topicSettings(1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
  });

  test("two brokers: two copies, but one in sync is enough (two would stop writes when either fails)", () => {
    expect(topicSettings(2)).toEqual({ replicationFactor: 2, minInsyncReplicas: 1 });
  });

  test("three brokers or more: three copies, an acknowledged write on two of them", () => {
    expect(topicSettings(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(topicSettings(5)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  test("no brokers is an error, not a topic of replication factor 0", () => {
    expect(() => topicSettings(0)).toThrow("at least one broker, got 0");
  });

  test("said in words", () => {
    expect(describeSettings(3, topicSettings(3))).toBe("3 brokers, replication factor 3, min.insync.replicas 2");
    expect(describeSettings(1, topicSettings(1))).toBe("1 broker, replication factor 1, min.insync.replicas 1");
  });
});
