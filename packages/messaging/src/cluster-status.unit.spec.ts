import { formatClusterStatus, type ClusterStatus } from "./cluster-status";
import { describeQuorumRequest, parseDescribeQuorumResponse } from "./quorum";

const status: ClusterStatus = {
  brokers: [
    { nodeId: 1, host: "127.0.0.1", port: 9092 },
    { nodeId: 3, host: "127.0.0.1", port: 9096 },
  ],
  quorum: { leaderId: 3, leaderEpoch: 7, voters: [1, 2, 3].map((nodeId) => ({ nodeId, logEndOffset: 100 })) },
  topics: [
    {
      topic: "order.events",
      partitions: [
        { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 3] },
        { partition: 1, leader: 3, replicas: [3, 1, 2], isr: [3, 1] },
        { partition: 2, leader: -1, replicas: [2], isr: [] },
      ],
    },
  ],
  groups: [
    {
      groupId: "payment-service",
      state: "Stable",
      members: [
        { memberId: "payment-service-aaaa-0001", clientId: "payment-service", host: "/127.0.0.1", assignment: [{ topic: "user.events", partitions: [0, 1, 2] }] },
        { memberId: "payment-service-bbbb-0002", clientId: "payment-service", host: "/127.0.0.1", assignment: [] },
      ],
      topics: [{ topic: "user.events", lag: 4, partitions: [{ partition: 0, committed: 10, end: 14, lag: 4 }, { partition: 1, committed: null, end: 0, lag: 0 }] }],
      lag: 4,
    },
  ],
};

describe("formatClusterStatus: the cluster as plain text", () => {
  const text = formatClusterStatus(status);
  const lines = text.split("\n");

  test("names the brokers and which one is the active controller, from the quorum", () => {
    expect(lines[0]).toBe("brokers (2); active controller: node 3 (epoch 7); controller quorum voters 1,2,3");
    expect(lines).toContain("  1  127.0.0.1:9092  controller (follower)");
    expect(lines).toContain("  3  127.0.0.1:9096  active controller");
  });

  test("each partition with its leader, replicas and in-sync replicas; says what is wrong", () => {
    expect(lines).toContain("  order.events: 3 partitions, replication factor 3; node 1 leads 1, node 3 leads 1");
    expect(lines).toContain("     0  leader 1  replicas 1,2,3  in sync 1,3  (under-replicated: 2 of 3 in sync)");
    expect(lines).toContain("     2  leader -  replicas 2  in sync none  (NO LEADER: writes and reads wait for an in-sync replica; under-replicated: 0 of 1 in sync)");
  });

  test("each group's members with the partitions each owns (an idle one said so), and lag per partition", () => {
    expect(lines).toContain("  payment-service: Stable, 2 members, lag 4");
    expect(lines).toContain("    payment-service (/127.0.0.1) aaa-0001: user.events/0,1,2");
    expect(lines).toContain("    payment-service (/127.0.0.1) bbb-0002: no partitions (idle)");
    expect(lines).toContain("    lag user.events           4  (0:4 1:0)");
  });

  test("plain text: no colour codes", () => {
    expect(text.includes(String.fromCharCode(27))).toBe(false);
  });

  test("no controller while the quorum elects one", () => {
    expect(formatClusterStatus({ ...status, quorum: { ...status.quorum, leaderId: -1 } }).split("\n")[0]).toContain("active controller: none");
  });
});

describe("DescribeQuorum on the wire", () => {
  test("the request: size, API key 55 version 0, correlation id, client id, the metadata log's partition 0", () => {
    const request = describeQuorumRequest(7, "kafka-status");
    expect(request.readInt32BE(0)).toBe(request.length - 4);
    expect([request.readInt16BE(4), request.readInt16BE(6), request.readInt32BE(8)]).toEqual([55, 0, 7]);
    expect(request.subarray(14, 26).toString()).toBe("kafka-status");
    expect(request.includes(Buffer.from("__cluster_metadata"))).toBe(true);
  });

  test("a response as Kafka 4.1.1 sent it (three voters, node 1 leading in epoch 4)", () => {
    const hex =
      "0000000700000002135f5f636c75737465725f6d65746164617461020000000000000000000100000004000000000000014f" +
      "0400000001000000000000014f0000000002000000000000014f0000000003000000000000014f0001000000";
    expect(parseDescribeQuorumResponse(Buffer.from(hex, "hex"))).toEqual({
      leaderId: 1,
      leaderEpoch: 4,
      voters: [1, 2, 3].map((nodeId) => ({ nodeId, logEndOffset: 335 })),
    });
  });

  test("an error code is an error, not a leader", () => {
    expect(() => parseDescribeQuorumResponse(Buffer.from("0000000700002301", "hex"))).toThrow("error code 35");
  });
});
